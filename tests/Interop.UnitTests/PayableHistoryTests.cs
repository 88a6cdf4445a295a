using Interop.Hub.Disbursements.Entitlements;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Seeding;
using JasperFx.Events;

namespace Interop.UnitTests;

/// <summary>The history the benchmark's seed writes for a payable household: what the partners would have written, one call at a time.</summary>
public sealed class PayableHistoryTests
{
    private static readonly DateOnly Today = new(2026, 7, 1);
    private static readonly Actor Bri = new("bri", PartnerKind.Bank);

    private static HouseholdProposed Proposed(params HouseholdMember[] members) =>
        new("SEED-1", "3273010101260001", "32.73.01.1001", "Jl. Merdeka No. 1", members, SeedActors.Development.Steward, "synthetic", null);

    private static HouseholdMember Member(string nik, int birthYear, Sex sex, Relationship relationship) =>
        new(nik, "Nama Sintetis", new DateOnly(birthYear, 3, 1), sex, relationship);

    private static Household Folded(HouseholdProposed proposed)
    {
        var household = Household.Create(new Event<HouseholdProposed>(proposed) { Version = 1, StreamId = Guid.NewGuid(), Timestamp = DateTimeOffset.UtcNow });
        foreach (var change in PayableHistory.After(proposed, Today, SeedActors.Development, Bri, "002100000000001"))
        {
            var version = household.Version + 1;
            household = change switch
            {
                IdentitiesVerified verified => household.Apply(new Event<IdentitiesVerified>(verified) { Version = version }),
                HouseholdRatified ratified => household.Apply(new Event<HouseholdRatified>(ratified) { Version = version }),
                ProgramEnrolled enrolled => household.Apply(new Event<ProgramEnrolled>(enrolled) { Version = version }),
                RecipientAccountRequested requested => household.Apply(new Event<RecipientAccountRequested>(requested) { Version = version }),
                RecipientAccountOpened opened => household.Apply(new Event<RecipientAccountOpened>(opened) { Version = version }),
                _ => throw new ArgumentException(change.GetType().Name, nameof(proposed)),
            };
        }

        return household;
    }

    [Fact]
    public void A_family_with_a_mother_and_school_children_is_owed_its_components_paid_to_the_mother_at_the_bank()
    {
        var proposed = Proposed(
            Member("3273010101800001", 1980, Sex.Male, Relationship.Head),
            Member("3273014101820002", 1982, Sex.Female, Relationship.Spouse),
            Member("3273010101150003", 2015, Sex.Male, Relationship.Child),
            Member("3273014101110004", 2011, Sex.Female, Relationship.Child));

        var household = Folded(proposed);

        Assert.Equal([PkhComponent.PrimarySchoolChild, PkhComponent.JuniorHighChild], PayableHistory.ComponentsOf(proposed.Members, Today));
        var owed = Assert.IsType<Entitlement.Owed>(Entitlements.Of(household, new ProgrammeStage(SocialProgram.Pkh, 2026, 3)));
        Assert.Equal("3273014101820002", owed.Recipient.Nik);
        Assert.Equal((900_000 + 1_500_000) / 4, owed.Amount);
        Assert.Equal(("bri", "002100000000001"), (household.PaidAccountOf(owed.Recipient.Nik)!.Bank, household.PaidAccountOf(owed.Recipient.Nik)!.AccountNumber));
        Assert.All(PayableHistory.After(proposed, Today, SeedActors.Development, Bri, "002100000000001"), change => Assert.Equal(PayableHistory.Reason, change.Reason));
    }

    [Fact]
    public void A_man_alone_is_paid_as_head_and_a_household_with_no_qualifying_member_is_enrolled_for_a_disability()
    {
        var alone = Proposed(Member("3273010101860001", 1986, Sex.Male, Relationship.Head));
        var elder = Proposed(Member("3273010101500001", 1950, Sex.Male, Relationship.Head));

        Assert.Equal([PkhComponent.SevereDisability], PayableHistory.ComponentsOf(alone.Members, Today));
        Assert.Equal([PkhComponent.Elderly], PayableHistory.ComponentsOf(elder.Members, Today));
        Assert.Equal("3273010101860001", Assert.IsType<Entitlement.Owed>(Entitlements.Of(Folded(alone), new ProgrammeStage(SocialProgram.Pkh, 2026, 3))).Recipient.Nik);
    }

    [Fact]
    public void A_household_without_a_head_cannot_be_seeded_as_payable()
    {
        var headless = Proposed(Member("3273010101150003", 2015, Sex.Male, Relationship.Child));

        Assert.Throws<ArgumentException>(() => PayableHistory.After(headless, Today, SeedActors.Development, Bri, "002100000000001"));
    }
}
