using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ChangeHousehold;

namespace Interop.UnitTests;

/// <summary>A NIK active in one household at most, a family card held by one open household at most, whatever the change.</summary>
public sealed class KeyRulesTests
{
    private static readonly Actor Steward = new("kemensos-pusdatin", PartnerKind.Steward);
    private static readonly Household Household = RegisteredHousehold.Active;
    private static readonly Guid Elsewhere = Guid.Parse("0193a000-0000-7000-8000-0000000000aa");
    private static readonly HouseholdMember Newborn = new("3273015203250001", "Putri", new DateOnly(2025, 3, 12), Sex.Female, Relationship.Child);

    [Fact]
    public void Given_a_free_nik_when_a_member_is_added_then_it_is_looked_up_and_registered_to_the_household()
    {
        var added = Accepted(new MemberAdded(Newborn, Steward, "birth", null));

        Assert.Equal([Newborn.Nik], KeyRules.Lookups(Household, added).Niks);
        var register = Assert.IsType<KeyChange.Register>(Assert.Single(Steps(KeyRules.Decide(Household, added, Holders(), Holders()))));
        Assert.Equal((Household.Id, Household.VillageCode, Newborn.Nik), (register.HouseholdId, register.VillageCode, Assert.Single(register.Members).Nik));
    }

    [Fact]
    public void Given_a_nik_active_in_another_household_when_a_member_is_added_now_or_for_approval_then_it_is_refused_naming_that_household()
    {
        var holders = Holders((Newborn.Nik, Elsewhere));
        var pending = Accepted(new ChangeAwaitingApproval(PendingChange.Of(Guid.NewGuid(), new MemberAdded(Newborn, Steward, "birth", null)), Steward, "birth", null));

        Assert.Contains(Elsewhere.ToString(), Refusal(KeyRules.Decide(Household, Accepted(new MemberAdded(Newborn, Steward, "birth", null)), holders, Holders())), StringComparison.Ordinal);
        Assert.Contains(Elsewhere.ToString(), Refusal(KeyRules.Decide(Household, pending, holders, Holders())), StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_household_held_in_a_nik_case_when_a_member_is_added_then_no_nik_is_registered_yet()
    {
        var held = Household with { Status = HouseholdStatus.Proposed, OpenConflictCaseId = Guid.NewGuid(), HeldForNikConflict = true };

        Assert.Empty(Steps(KeyRules.Decide(held, Accepted(new MemberAdded(Newborn, Steward, "birth", null)), Holders(), Holders())));
    }

    [Fact]
    public void Given_a_move_when_decided_then_only_the_niks_this_household_holds_move_to_the_new_village()
    {
        var moved = Accepted(new AddressChanged("32.73.02.1001", "Jl. Braga 2", Household.VillageCode, Steward, "moved", null));

        var move = Assert.IsType<KeyChange.Move>(Assert.Single(Steps(KeyRules.Decide(Household, moved, Holders((Household.Members[0].Nik, Household.Id)), Holders()))));
        Assert.Equal("32.73.02.1001", move.VillageCode);
        Assert.Single(move.Members);
        Assert.Empty(Assert.IsType<KeyChange.Move>(Assert.Single(Steps(KeyRules.Decide(Household, moved, Holders(), Holders())))).Members);
    }

    [Fact]
    public void Given_a_closing_household_when_decided_then_its_niks_and_its_card_are_released()
    {
        var steps = Steps(KeyRules.Decide(Household, Accepted(new HouseholdDeactivated(Steward, "closed", null)), Holders(), Holders()));

        Assert.Equal([Household.Members[0].Nik], Assert.IsType<KeyChange.Release>(steps[0]).Niks);
        Assert.IsType<KeyChange.ReleaseCard>(steps[1]);
    }

    [Fact]
    public void Given_a_split_onto_a_card_another_open_household_holds_when_decided_then_it_is_refused_and_on_a_free_card_the_new_household_takes_it()
    {
        var newId = Guid.NewGuid();
        var split = new ChangeDecision.Accepted([new HouseholdSplit(newId, [Newborn.Nik], Steward, "split", null)])
        {
            Others = [new OtherStreamWrite(newId, null, [new SplitOff(Household.Id, "3273010101209901", "32.73.01.1001", "Jl. Baru 1", [Newborn], Steward, "split", null)])],
        };

        Assert.Equal(["3273010101209901"], KeyRules.Lookups(Household, split).Cards);
        Assert.Contains(Elsewhere.ToString(), Refusal(KeyRules.Decide(Household, split, Holders(), Holders(("3273010101209901", Elsewhere)))), StringComparison.Ordinal);
        var steps = Steps(KeyRules.Decide(Household, split, Holders(), Holders()));
        Assert.Equal(("3273010101209901", newId), (Assert.IsType<KeyChange.TakeCard>(steps[0]).FamilyCardNumber, ((KeyChange.TakeCard)steps[0]).HouseholdId));
        Assert.Equal(newId, Assert.IsType<KeyChange.Move>(steps[1]).HouseholdId);
    }

    private static ChangeDecision.Accepted Accepted(IHouseholdEvent change) => new([change]);

    private static Dictionary<string, Guid> Holders(params (string Key, Guid Holder)[] holders) =>
        holders.ToDictionary(holder => holder.Key, holder => holder.Holder, StringComparer.Ordinal);

    private static IReadOnlyList<KeyChange> Steps(KeyDecision decision) => Assert.IsType<KeyDecision.Changes>(decision).Steps;

    private static string Refusal(KeyDecision decision) => Assert.IsType<KeyDecision.Refused>(decision).Reason;
}
