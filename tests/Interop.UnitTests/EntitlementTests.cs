using Interop.Hub.Disbursements.Entitlements;
using Interop.Hub.Partners;
using Interop.Hub.Registry;

namespace Interop.UnitTests;

/// <summary>Who is owed what for a payment round, from the household as it stood at the cut-off.</summary>
public sealed class EntitlementTests
{
    private static readonly ProgrammeStage Pkh2026Stage3 = new(SocialProgram.Pkh, 2026, 3);
    private static readonly ProgrammeStage Bpnt2026Stage2 = new(SocialProgram.Bpnt, 2026, 2);

    private static readonly HouseholdMember Father = new("3273011203850001", "Budi Santoso", new DateOnly(1985, 3, 12), Sex.Male, Relationship.Head);
    private static readonly HouseholdMember Mother = new("3273014507900002", "Siti Rahmawati", new DateOnly(1990, 7, 5), Sex.Female, Relationship.Spouse);
    private static readonly HouseholdMember Child = new("3273011203150003", "Rizky Pratama", new DateOnly(2015, 3, 12), Sex.Male, Relationship.Child);

    private static Household Family(params PkhComponent[] components) =>
        RegisteredHousehold.Active with
        {
            Members = [Father, Mother, Child],
            Confirmed = [.. new[] { Father, Mother, Child }.Select(ConfirmedPerson.Of)],
            Programs = [new ProgramMembership(SocialProgram.Pkh, components), new ProgramMembership(SocialProgram.Bpnt, [])],
        };

    [Fact]
    public void Given_pkh_components_when_a_stage_is_paid_then_the_household_is_owed_a_quarter_of_their_yearly_amounts_paid_to_the_mother()
    {
        var owed = Assert.IsType<Entitlement.Owed>(Entitlements.Of(Family(PkhComponent.PrimarySchoolChild, PkhComponent.PregnancyOrEarlyChildhood), Pkh2026Stage3));

        // (900,000 + 3,000,000) / 4
        Assert.Equal(975_000L, owed.Amount);
        Assert.Equal(Mother, owed.Recipient);
    }

    [Fact]
    public void Given_bpnt_when_a_stage_is_paid_then_two_months_are_owed()
    {
        var owed = Assert.IsType<Entitlement.Owed>(Entitlements.Of(Family(PkhComponent.Elderly), Bpnt2026Stage2));

        Assert.Equal(400_000L, owed.Amount);
    }

    [Fact]
    public void Every_stage_amount_divides_its_yearly_amount_exactly()
    {
        Assert.All(Entitlements.PkhYearlyAmounts.Values, yearly => Assert.Equal(0L, yearly % ProgrammeStage.StagesPerYear(SocialProgram.Pkh)));
        Assert.Equal(0, 12 % ProgrammeStage.StagesPerYear(SocialProgram.Bpnt));
    }

    [Fact]
    public void Given_the_mother_died_when_a_stage_is_paid_then_the_head_receives_it_and_with_no_living_confirmed_adult_nobody_does()
    {
        var widowed = Family(PkhComponent.Elderly) with { Deaths = new Dictionary<string, DateOnly> { [Mother.Nik] = new DateOnly(2026, 5, 1) } };
        var orphaned = widowed with { Deaths = new Dictionary<string, DateOnly> { [Mother.Nik] = new DateOnly(2026, 5, 1), [Father.Nik] = new DateOnly(2026, 6, 1) } };
        var unconfirmed = Family(PkhComponent.Elderly) with { Confirmed = [ConfirmedPerson.Of(Child)] };

        Assert.Equal(Father, Assert.IsType<Entitlement.Owed>(Entitlements.Of(widowed, Pkh2026Stage3)).Recipient);
        Assert.Contains("no living member", Assert.IsType<Entitlement.NotOwed>(Entitlements.Of(orphaned, Pkh2026Stage3)).Reason, StringComparison.Ordinal);
        Assert.IsType<Entitlement.NotOwed>(Entitlements.Of(unconfirmed, Pkh2026Stage3));
    }

    [Theory]
    [InlineData((int)HouseholdStatus.Proposed)]
    [InlineData((int)HouseholdStatus.Deactivated)]
    [InlineData((int)HouseholdStatus.Merged)]
    public void Given_a_household_that_is_not_active_when_a_stage_is_paid_then_it_is_owed_nothing(int status)
    {
        var reason = Assert.IsType<Entitlement.NotOwed>(Entitlements.Of(Family(PkhComponent.Elderly) with { Status = (HouseholdStatus)status }, Pkh2026Stage3)).Reason;

        Assert.Contains("not active", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_household_held_in_a_conflict_case_or_not_enrolled_when_a_stage_is_paid_then_it_is_owed_nothing()
    {
        var held = Family(PkhComponent.Elderly) with { OpenConflictCaseId = Guid.NewGuid() };
        var notEnrolled = Family(PkhComponent.Elderly) with { Programs = [] };

        Assert.Contains("conflict case", Assert.IsType<Entitlement.NotOwed>(Entitlements.Of(held, Pkh2026Stage3)).Reason, StringComparison.Ordinal);
        Assert.Contains("not enrolled in PKH", Assert.IsType<Entitlement.NotOwed>(Entitlements.Of(notEnrolled, Pkh2026Stage3)).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((int)SocialProgram.Pkh, 2026, 5, "stages 1 to 4")]
    [InlineData((int)SocialProgram.Bpnt, 2026, 7, "stages 1 to 6")]
    [InlineData((int)SocialProgram.Pkh, 2026, 0, "stages 1 to 4")]
    [InlineData((int)SocialProgram.Unspecified, 2026, 1, "no programme")]
    [InlineData((int)SocialProgram.Pkh, 1999, 1, "year")]
    public void A_payment_round_the_programme_does_not_have_is_refused(int programme, int year, int stage, string because)
    {
        Assert.Contains(because, ProgrammeStage.Problem((SocialProgram)programme, year, stage), StringComparison.Ordinal);
        Assert.Null(ProgrammeStage.Problem(SocialProgram.Pkh, 2026, 3));
    }
}
