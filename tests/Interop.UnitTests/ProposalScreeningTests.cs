using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.Conflicts;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.UnitTests;

/// <summary>How an accepted proposal enters the register, given who holds its keys and who lives in its village.</summary>
public sealed class ProposalScreeningTests
{
    private static readonly Guid Proposed = Guid.Parse("0193a000-0000-7000-8000-000000000001");
    private static readonly Guid CaseId = Guid.Parse("0193a000-0000-7000-8000-000000000002");
    private static readonly Guid Existing = Guid.Parse("0193a000-0000-7000-8000-000000000003");
    private static readonly HouseholdMember Head = new("3273014507900001", "Siti Rahmawati", new DateOnly(1990, 7, 5), Sex.Female, Relationship.Head);
    private static readonly HouseholdProposed Proposal =
        new("REF-1", "3273010101200001", "32.73.01.1001", "Jl. Sukarasa 1", [Head], new Actor("dinsos-kota-bandung", PartnerKind.LocalGovernment), "survey", null);

    [Fact]
    public void Given_free_keys_and_no_lookalike_when_screened_then_the_proposal_is_stored_alone_and_holds_its_keys()
    {
        var screened = Screen(nikHolders: [], cardHolder: null, neighbours: []);

        Assert.Equal([Proposal], screened.Events);
        Assert.Null(screened.CaseId);
        Assert.True(screened.HoldsItsKeys);
        Assert.Equal(1, screened.Version);
    }

    [Fact]
    public void Given_a_member_nik_active_elsewhere_when_screened_then_the_proposal_is_held_in_a_nik_case_and_holds_no_key()
    {
        var screened = Screen(nikHolders: new() { [Head.Nik] = Existing }, cardHolder: null, neighbours: []);

        var held = Assert.IsType<HeldForConflict>(screened.Events[1]);
        Assert.Equal(CaseId, held.ConflictCaseId);
        Assert.Equal([Head.Nik], held.Niks);
        Assert.Equal([Existing], held.ExistingHouseholdIds);
        Assert.Equal((ConflictKind.NikInUse, Proposed), (screened.CaseOpened!.Kind, screened.CaseOpened.ProposedHouseholdId));
        Assert.False(screened.HoldsItsKeys);
        Assert.Equal(2, screened.Version);
    }

    [Fact]
    public void Given_the_family_card_held_by_an_open_household_when_screened_then_the_proposal_is_held_in_a_card_case()
    {
        var screened = Screen(nikHolders: [], cardHolder: Existing, neighbours: []);

        Assert.Equal([Existing], Assert.IsType<HeldForConflict>(screened.Events[1]).ExistingHouseholdIds);
        Assert.Equal(ConflictKind.FamilyCardInUse, screened.CaseOpened!.Kind);
        Assert.False(screened.HoldsItsKeys);
    }

    [Fact]
    public void Given_both_a_taken_nik_and_a_held_card_when_screened_then_the_nik_decides_the_case()
    {
        Assert.Equal(ConflictKind.NikInUse, Screen(nikHolders: new() { [Head.Nik] = Existing }, cardHolder: Guid.NewGuid(), neighbours: []).CaseOpened!.Kind);
    }

    [Fact]
    public void Given_a_lookalike_under_another_nik_in_the_village_when_screened_then_the_proposal_is_stored_flagged_and_holds_its_keys()
    {
        var lookalike = new ScreenedPerson(Existing, "32.73.01.1001", Head with { Nik = "3273014507900009", FullName = "Siti Rachmawati" });

        var screened = Screen(nikHolders: [], cardHolder: null, neighbours: [lookalike]);

        Assert.Equal([Existing], Assert.IsType<FlaggedAsLikelyDuplicate>(screened.Events[1]).OtherHouseholdIds);
        Assert.Equal(ConflictKind.LikelyDuplicate, screened.CaseOpened!.Kind);
        Assert.True(screened.HoldsItsKeys);
    }

    private static ScreenedProposal Screen(Dictionary<string, Guid> nikHolders, Guid? cardHolder, IReadOnlyList<ScreenedPerson> neighbours) =>
        ProposalScreening.Screen(Proposal, nikHolders, cardHolder, neighbours, Proposed, () => CaseId);
}
