using Interop.Hub.Disbursements.Accounts;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using JasperFx.Events;

namespace Interop.UnitTests;

/// <summary>Opening recipients' accounts in bulk: the steward asks a bank, the bank answers each request once.</summary>
public sealed class AccountRulesTests
{
    private static readonly Actor Steward = new("kemensos-pusdatin", PartnerKind.Steward);
    private static readonly Actor Bri = new("bri", PartnerKind.Bank);
    private static readonly Actor Bni = new("bni", PartnerKind.Bank);
    private const string Nik = "3273014507900001";

    private static Household Requested(string bank = "bri") =>
        Applied(RegisteredHousehold.Active, Assert.IsType<AccountDecision.Recorded>(AccountRules.Request(RegisteredHousehold.Active, bank, Steward, "PKH 2026")).Event);

    private static Household Applied(Household household, IHouseholdEvent change) => change switch
    {
        RecipientAccountRequested requested => household.Apply(new Event<RecipientAccountRequested>(requested) { Version = household.Version + 1 }),
        RecipientAccountOpened opened => household.Apply(new Event<RecipientAccountOpened>(opened) { Version = household.Version + 1 }),
        RecipientAccountRefused refused => household.Apply(new Event<RecipientAccountRefused>(refused) { Version = household.Version + 1 }),
        _ => throw new ArgumentException("Not an account event.", nameof(change)),
    };

    [Fact]
    public void Given_an_active_household_when_the_steward_asks_a_bank_then_the_request_names_the_recipient()
    {
        var recorded = Assert.IsType<AccountDecision.Recorded>(AccountRules.Request(RegisteredHousehold.Active, "bri", Steward, "PKH 2026"));

        var requested = Assert.IsType<RecipientAccountRequested>(recorded.Event);
        Assert.Equal((Nik, "bri"), (requested.Nik, requested.Bank));
        Assert.Equal(AccountStatus.Requested, Assert.Single(Applied(RegisteredHousehold.Active, requested).Accounts).Status);
    }

    [Fact]
    public void Given_a_request_waiting_when_the_steward_asks_again_then_nothing_is_written_and_another_bank_is_refused()
    {
        var household = Requested();

        Assert.Equal(AccountStatus.Requested, Assert.IsType<AccountDecision.Already>(AccountRules.Request(household, "bri", Steward, "again")).Status);
        Assert.Contains("waiting for bri", Assert.IsType<AccountDecision.NotAllowed>(AccountRules.Request(household, "bni", Steward, "elsewhere")).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_household_not_active_or_without_a_confirmed_living_recipient_when_asked_then_it_is_refused()
    {
        Assert.IsType<AccountDecision.NotFound>(AccountRules.Request(null, "bri", Steward, "x"));
        Assert.Contains("proposed", Assert.IsType<AccountDecision.NotAllowed>(AccountRules.Request(RegisteredHousehold.Active with { Status = HouseholdStatus.Proposed }, "bri", Steward, "x")).Reason, StringComparison.Ordinal);
        var unconfirmed = RegisteredHousehold.Active with { Confirmed = [] };
        Assert.Contains("confirmed", Assert.IsType<AccountDecision.NotAllowed>(AccountRules.Request(unconfirmed, "bri", Steward, "x")).Reason, StringComparison.Ordinal);
        var deceased = RegisteredHousehold.Active with { Deaths = new Dictionary<string, DateOnly> { [Nik] = new(2026, 1, 1) } };
        Assert.IsType<AccountDecision.NotAllowed>(AccountRules.Request(deceased, "bri", Steward, "x"));
    }

    [Fact]
    public void Given_a_request_when_its_bank_reports_the_account_opened_then_the_account_is_the_recipients_and_a_resend_changes_nothing()
    {
        var report = new AccountReport.Opened(Nik, "002101000123456", "6013010000123456");

        var opened = Assert.IsType<RecipientAccountOpened>(Assert.IsType<AccountDecision.Recorded>(AccountRules.Report(Requested(), Bri, report)).Event);
        var household = Applied(Requested(), opened);

        Assert.Equal(("bri", "002101000123456", "6013010000123456"), (household.PaidAccountOf(Nik)!.Bank, household.PaidAccountOf(Nik)!.AccountNumber, household.PaidAccountOf(Nik)!.CardNumber));
        Assert.Equal(AccountStatus.Opened, Assert.IsType<AccountDecision.Already>(AccountRules.Report(household, Bri, report)).Status);
        Assert.IsType<AccountDecision.NotAllowed>(AccountRules.Report(household, Bri, report with { AccountNumber = "002101000999999" }));
        Assert.IsType<AccountDecision.NotAllowed>(AccountRules.Report(household, Bri, new AccountReport.Refused(Nik, "BE01")));
        Assert.Equal(AccountStatus.Opened, Assert.IsType<AccountDecision.Already>(AccountRules.Request(household, "bri", Steward, "again")).Status);

        // The bank reported a wrong number: the steward asks again, and the bank's next report replaces the account.
        var again = Applied(household, Assert.IsType<AccountDecision.Recorded>(AccountRules.Request(household, "bri", Steward, "wrong number reported", replaceOpened: true)).Event);
        Assert.Null(again.PaidAccountOf(Nik));
        var corrected = Assert.IsType<AccountDecision.Recorded>(AccountRules.Report(again, Bri, report with { AccountNumber = "002101000999999" })).Event;
        Assert.Equal("002101000999999", Applied(again, corrected).PaidAccountOf(Nik)!.AccountNumber);
    }

    [Fact]
    public void Given_a_refusal_when_the_steward_asks_again_then_a_new_request_waits_and_no_account_is_paid_on()
    {
        var refused = Assert.IsType<RecipientAccountRefused>(Assert.IsType<AccountDecision.Recorded>(AccountRules.Report(Requested(), Bri, new AccountReport.Refused(Nik, "BE01"))).Event);
        var household = Applied(Requested(), refused);

        Assert.Null(household.PaidAccountOf(Nik));
        Assert.Equal(AccountStatus.Refused, Assert.IsType<AccountDecision.Already>(AccountRules.Report(household, Bri, new AccountReport.Refused(Nik, "BE01"))).Status);
        Assert.IsType<AccountDecision.Recorded>(AccountRules.Request(household, "bri", Steward, "identity corrected"));
    }

    [Fact]
    public void Given_a_request_to_one_bank_when_another_bank_reports_on_it_then_it_is_not_found()
    {
        Assert.IsType<AccountDecision.NotFound>(AccountRules.Report(Requested("bri"), Bni, new AccountReport.Opened(Nik, "1234567890", string.Empty)));
        Assert.IsType<AccountDecision.NotFound>(AccountRules.Report(RegisteredHousehold.Active, Bri, new AccountReport.Opened(Nik, "1234567890", string.Empty)));
        Assert.IsType<AccountDecision.NotFound>(AccountRules.Report(null, Bri, new AccountReport.Opened(Nik, "1234567890", string.Empty)));
    }

    [Theory]
    [InlineData("12345", "", "opened.account_number")]
    [InlineData("0021-0100-0123", "", "opened.account_number")]
    [InlineData("002101000123456", "12345", "opened.card_number")]
    [InlineData("００２１０１０００１２３４５６", "", "opened.account_number")]
    public void Given_a_malformed_report_when_decided_then_the_field_is_named(string account, string card, string field)
    {
        var invalid = Assert.IsType<AccountDecision.Invalid>(AccountRules.Report(Requested(), Bri, new AccountReport.Opened(Nik, account, card)));

        Assert.Equal([field], invalid.Violations.Select(violation => violation.Field));
    }

    [Fact]
    public void Given_a_refusal_without_a_known_reason_or_a_report_without_a_result_then_it_is_invalid()
    {
        Assert.Equal(["refused.reason_code"], Assert.IsType<AccountDecision.Invalid>(AccountRules.Report(Requested(), Bri, new AccountReport.Refused(Nik, "XX99"))).Violations.Select(v => v.Field));
        Assert.Equal(["nik", "result"], Assert.IsType<AccountDecision.Invalid>(AccountRules.Report(Requested(), Bri, new AccountReport.Missing("32730"))).Violations.Select(v => v.Field));
    }

    [Fact]
    public void Given_an_account_when_its_holder_leaves_the_household_then_the_account_goes_with_them()
    {
        var opened = Assert.IsType<AccountDecision.Recorded>(AccountRules.Report(Requested(), Bri, new AccountReport.Opened(Nik, "1234567890", string.Empty))).Event;
        var household = Applied(Requested(), opened);

        var removed = household.Apply(new Event<MemberRemoved>(new MemberRemoved(Nik, Steward, "moved away", null)) { Version = household.Version + 1 });

        Assert.Empty(removed.Accounts);
    }
}
