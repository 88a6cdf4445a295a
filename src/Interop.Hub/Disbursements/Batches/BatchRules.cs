using System.Globalization;
using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Disbursements.Entitlements;
using Interop.Hub.Registry;

namespace Interop.Hub.Disbursements.Batches;

/// <summary>Where a line is paid: the bank holding the account, and the account or card number (personal data: the steward and that bank only).</summary>
internal sealed record PaymentAccount(string Bank, string AccountNumber);

/// <summary>One line of a batch: who is paid how much, by which bank, under which end-to-end id; and the regency, for the report by region.</summary>
internal sealed record BatchLine(long Number, string EndToEndId, Guid HouseholdId, string RecipientNik, string RecipientName, PaymentAccount Account, long Amount, string RegencyCode);

/// <summary>A batch's control totals: how many lines, and their sum in whole rupiah.</summary>
internal sealed record ControlTotals(long LineCount, long Amount);

/// <summary>A household of the registry left out of a batch, and why (the batch keeps the list, so nobody is dropped silently).</summary>
internal sealed record LeftOut(Guid HouseholdId, string Reason);

/// <summary>What issuing a batch from the registry as of its cut-off gives: its lines and the households left out.</summary>
internal sealed record IssuedLines(IReadOnlyList<BatchLine> Lines, IReadOnlyList<LeftOut> LeftOut);

/// <summary>Whether a batch may be sealed.</summary>
internal abstract record SealDecision
{
    public sealed record Sealed(ControlTotals Totals) : SealDecision;

    public sealed record Refused(string Field, string Reason) : SealDecision;
}

/// <summary>
/// The rules of a disbursement batch. Pure. Lines are computed from the households as they stood at
/// the cut-off (so that later edits of the registry never change what was owed); a batch is sealed
/// only when the control totals it declares are exactly those of its lines, and a sealed batch
/// never changes. Sums are checked: an overflow is an error, never a wrapped total.
/// </summary>
internal static class BatchRules
{
    /// <summary>The lines of a batch, numbered from 1 in the households' order, and the households left out with their reasons.</summary>
    public static IssuedLines Issue(ProgrammeStage round, Guid batchId, IEnumerable<Household> householdsAtCutOff, Func<Household, HouseholdMember, PaymentAccount?> accountOf)
    {
        var issue = new LineIssue(round, batchId, new HashSet<Guid>());
        return issue.Add(householdsAtCutOff, accountOf);
    }

    /// <summary>The control totals of the lines (checked arithmetic).</summary>
    public static ControlTotals TotalsOf(IEnumerable<BatchLine> lines)
    {
        long count = 0;
        long amount = 0;
        foreach (var line in lines)
        {
            count = checked(count + 1);
            amount = checked(amount + line.Amount);
        }

        return new ControlTotals(count, amount);
    }

    /// <summary>Seals a batch whose declared totals are exactly its lines'; refuses, naming the total that differs, otherwise.</summary>
    public static SealDecision Seal(ControlTotals declared, ControlTotals actual, bool alreadySealed) =>
        alreadySealed ? new SealDecision.Refused("batch_id", "the batch is sealed already; a sealed batch never changes (cancel a line instead)")
        : actual.LineCount == 0 ? new SealDecision.Refused("control_totals.line_count", "the batch has no line: it pays nobody")
        : declared.LineCount != actual.LineCount ? new SealDecision.Refused("control_totals.line_count", string.Create(CultureInfo.InvariantCulture, $"declares {declared.LineCount:N0} lines; the batch holds {actual.LineCount:N0}"))
        : declared.Amount != actual.Amount ? new SealDecision.Refused("control_totals.amount", string.Create(CultureInfo.InvariantCulture, $"declares Rp {declared.Amount:N0}; the lines add up to Rp {actual.Amount:N0}"))
        : new SealDecision.Sealed(actual);

    /// <summary>Why a line may not be cancelled (paid already, or no reason given), or null when it may.</summary>
    public static string? CancellationProblem(PaymentStatus lineStatus, string reason) =>
        string.IsNullOrWhiteSpace(reason) ? "a cancellation needs a reason"
        : lineStatus is PaymentStatus.Settled or PaymentStatus.AcceptedInProcess ? "the bank has paid or is paying the line: it can be returned, not cancelled"
        : lineStatus is PaymentStatus.Rejected ? "the bank rejected the line: there is nothing left to cancel"
        : lineStatus is PaymentStatus.Returned or PaymentStatus.Reversed ? "the bank paid the line and the money came back: there is nothing left to cancel"
        : null;

    /// <summary>"32.73" from "32.73.01.1002".</summary>
    public static string RegencyOf(string villageCode) => string.Join('.', villageCode.Split('.').Take(2));
}

/// <summary>
/// Issuing a batch's lines a page of households at a time (a batch has no size cap, so the
/// registry is never held in memory whole). Pure. Numbers lines from 1 across pages, and leaves out,
/// with the reason, a household that is not owed, whose recipient has no account at a paying bank,
/// that is paid in another batch of the same round already (<paramref name="paidThisRound"/>), or
/// whose recipient is paid on another line of the round, in this batch or another
/// (<paramref name="recipientsPaidThisRound"/>): nobody is paid twice for one round.
/// </summary>
internal sealed class LineIssue(ProgrammeStage round, Guid batchId, IReadOnlySet<Guid> paidThisRound, IReadOnlySet<string>? recipientsPaidThisRound = null)
{
    private readonly HashSet<string> recipients = new(recipientsPaidThisRound ?? new HashSet<string>(), StringComparer.Ordinal);
    private long count;
    private long amount;

    public ControlTotals Totals => new(count, amount);

    public long LeftOutCount { get; private set; }

    public IssuedLines Add(IEnumerable<Household> householdsAtCutOff, Func<Household, HouseholdMember, PaymentAccount?> accountOf)
    {
        var lines = new List<BatchLine>();
        var leftOut = new List<LeftOut>();
        foreach (var household in householdsAtCutOff)
        {
            var entitlement = paidThisRound.Contains(household.Id)
                ? new Entitlement.NotOwed($"the household has a line in another batch of {round} already")
                : Entitlements.Entitlements.Of(household, round);
            switch (entitlement)
            {
                case Entitlement.Owed owed when !recipients.Add(owed.Recipient.Nik):
                    leftOut.Add(new LeftOut(household.Id, $"the recipient is paid on another line of {round} already"));
                    break;
                case Entitlement.Owed owed when accountOf(household, owed.Recipient) is { } account:
                    count = checked(count + 1);
                    amount = checked(amount + owed.Amount);
                    lines.Add(new BatchLine(count, EndToEndIds.For(round, batchId, count), household.Id, owed.Recipient.Nik, owed.Recipient.FullName, account, owed.Amount, BatchRules.RegencyOf(household.VillageCode)));
                    break;
                case Entitlement.Owed:
                    leftOut.Add(new LeftOut(household.Id, "the recipient has no account at a paying bank yet"));
                    break;
                case Entitlement.NotOwed notOwed:
                    leftOut.Add(new LeftOut(household.Id, notOwed.Reason));
                    break;
            }
        }

        LeftOutCount += leftOut.Count;
        return new IssuedLines(lines, leftOut);
    }
}
