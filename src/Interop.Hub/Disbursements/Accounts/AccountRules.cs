using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Disbursements.Accounts;

/// <summary>What a bank reports for one account request: opened (the account and card numbers) or refused (an ISO 20022 reason code).</summary>
internal abstract record AccountReport(string Nik)
{
    public sealed record Opened(string Nik, string AccountNumber, string CardNumber) : AccountReport(Nik);

    public sealed record Refused(string Nik, string ReasonCode) : AccountReport(Nik);

    /// <summary>The report named neither.</summary>
    public sealed record Missing(string Nik) : AccountReport(Nik);
}

/// <summary>What a request for an account, or a bank's report, comes to.</summary>
internal abstract record AccountDecision
{
    public sealed record Recorded(IHouseholdEvent Event) : AccountDecision;

    /// <summary>The same request or report again: nothing is written.</summary>
    public sealed record Already(AccountStatus Status) : AccountDecision;

    /// <summary>No household, or (for a bank) no request of this bank for that person: the same answer, so that nothing is learnt of others' requests.</summary>
    public sealed record NotFound : AccountDecision;

    public sealed record NotAllowed(string Reason) : AccountDecision;

    public sealed record Invalid(IReadOnlyList<FieldIssue> Violations) : AccountDecision;
}

/// <summary>
/// Opening recipients' accounts in bulk (buka rekening kolektif). Pure. The steward asks a bank for
/// the recipient of an active household (the mother, else the head; living and confirmed); the bank
/// answers each request once: opened or refused. A resend changes nothing; an answer that
/// contradicts the one recorded is refused, never overwriting (the steward asks again instead).
/// </summary>
internal static class AccountRules
{
    public const int MaxReasonLength = 500;

    /// <summary>
    /// The steward asks <paramref name="bank"/> (a bank of the directory: the caller checks) to open the
    /// recipient's account; with <paramref name="replaceOpened"/>, again at a bank that reported one
    /// already (its number was wrong): the bank's next report replaces it.
    /// </summary>
    public static AccountDecision Request(Household? household, string bank, Actor actor, string reason, bool replaceOpened = false)
    {
        if (household is null)
        {
            return new AccountDecision.NotFound();
        }

        if (household.Status != HouseholdStatus.Active)
        {
            return new AccountDecision.NotAllowed($"the household is {household.Status.ToString().ToLowerInvariant()}: accounts are opened for active households only");
        }

        if (Entitlements.Entitlements.RecipientOf(household) is not { } recipient)
        {
            return new AccountDecision.NotAllowed("the household has no living member whose identity is confirmed to receive payments");
        }

        var held = household.Accounts.Where(account => account.Nik == recipient.Nik).ToList();
        if (held.FirstOrDefault(account => account.Bank == bank && (account.Status == AccountStatus.Requested || (account.Status == AccountStatus.Opened && !replaceOpened))) is { } same)
        {
            return new AccountDecision.Already(same.Status);
        }

        if (held.FirstOrDefault(account => account.Status == AccountStatus.Requested) is { } elsewhere)
        {
            return new AccountDecision.NotAllowed($"an account request for the recipient is waiting for {elsewhere.Bank}'s answer");
        }

        return new AccountDecision.Recorded(new RecipientAccountRequested(recipient.Nik, bank, actor, reason, null));
    }

    /// <summary>A bank's answer to a request it was sent.</summary>
    public static AccountDecision Report(Household? household, Actor bank, AccountReport report)
    {
        if (Check(report) is { Count: > 0 } violations)
        {
            return new AccountDecision.Invalid(violations);
        }

        if (household?.Accounts.FirstOrDefault(account => account.Nik == report.Nik && account.Bank == bank.PartnerId) is not { } account)
        {
            return new AccountDecision.NotFound();
        }

        const string reason = "reported by the bank";
        return (account.Status, report) switch
        {
            (AccountStatus.Requested, AccountReport.Opened opened) =>
                new AccountDecision.Recorded(new RecipientAccountOpened(opened.Nik, bank.PartnerId, opened.AccountNumber, opened.CardNumber, bank, reason, null)),
            (AccountStatus.Requested, AccountReport.Refused refused) =>
                new AccountDecision.Recorded(new RecipientAccountRefused(refused.Nik, bank.PartnerId, refused.ReasonCode, bank, reason, null)),
            (AccountStatus.Opened, AccountReport.Opened opened) when opened.AccountNumber == account.AccountNumber && opened.CardNumber == account.CardNumber =>
                new AccountDecision.Already(AccountStatus.Opened),
            (AccountStatus.Refused, AccountReport.Refused refused) when refused.ReasonCode == account.RefusalCode =>
                new AccountDecision.Already(AccountStatus.Refused),
            _ => new AccountDecision.NotAllowed(
                $"the bank reported this request {(account.Status == AccountStatus.Opened ? "opened" : "refused")} already; another answer is not taken (the steward asks again for a new account)"),
        };
    }

    /// <summary>Account numbers of the state banks run from 10 (BNI, BSI) to 16 digits (BTN); 20 leaves room for PT Pos and others.</summary>
    public static bool IsAccountNumber(string value) => value.Length is >= 10 and <= 20 && value.All(char.IsAsciiDigit);

    /// <summary>A KKS card number: 16 digits.</summary>
    public static bool IsCardNumber(string value) => value.Length == 16 && value.All(char.IsAsciiDigit);

    private static List<FieldIssue> Check(AccountReport report)
    {
        var violations = new List<FieldIssue>();
        if (!IdentityNumbers.IsSixteenDigits(report.Nik))
        {
            violations.Add(new("nik", "must be the 16-digit NIK the request named"));
        }

        switch (report)
        {
            case AccountReport.Opened opened:
                if (!IsAccountNumber(opened.AccountNumber))
                {
                    violations.Add(new("opened.account_number", "must be 10 to 20 digits"));
                }

                if (opened.CardNumber.Length > 0 && !IsCardNumber(opened.CardNumber))
                {
                    violations.Add(new("opened.card_number", "must be the card's 16 digits, or empty when no card was issued"));
                }

                break;
            case AccountReport.Refused refused when !PaymentStatuses.Reasons.ContainsKey(refused.ReasonCode):
                violations.Add(new("refused.reason_code", $"must be an ISO 20022 reason code the hub takes ({string.Join(", ", PaymentStatuses.Reasons.Keys)})"));
                break;
            case AccountReport.Missing:
                violations.Add(new("result", "must say opened or refused"));
                break;
        }

        return violations;
    }
}
