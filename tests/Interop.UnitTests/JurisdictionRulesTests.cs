using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.ReferenceData;

namespace Interop.UnitTests;

/// <summary>Given a partner's area, when it asks about a place, then it reaches it or not.</summary>
public sealed class JurisdictionRulesTests
{
    private static readonly RegionTable Regions = RegionTable.Load(RegionTable.DefaultPath);
    private static readonly DecisionContext At = new(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero), Guid.NewGuid);
    private static readonly Jurisdiction Bandung = Jurisdiction.Within("32.73");

    [Theory]
    [InlineData("32.73", true)]
    [InlineData("32.73.01.1002", true)]
    [InlineData("32.7", false)]
    [InlineData("32.730", false)]
    [InlineData("32.74.01.1001", false)]
    [InlineData("32", false)]
    [InlineData("", false)]
    public void A_regency_reaches_its_own_codes_and_nothing_that_only_shares_a_prefix_of_characters(string code, bool covered) =>
        Assert.Equal(covered, Bandung.Covers(code));

    [Fact]
    public void A_partner_with_no_area_reaches_the_whole_register_and_an_empty_list_of_areas_nothing()
    {
        Assert.True(Jurisdiction.Everywhere.Covers("32.73.01.1002"));
        Assert.Null(Jurisdiction.Everywhere.Narrow(string.Empty));
        Assert.False(Jurisdiction.Within([]).Covers("32.73.01.1002"));
        Assert.Equal([], Jurisdiction.Within([]).Narrow(string.Empty));
    }

    [Theory]
    [InlineData("", new[] { "32.73" })]
    [InlineData("32", new[] { "32.73" })]
    [InlineData("32.73.01", new[] { "32.73.01" })]
    [InlineData("33.74", new string[0])]
    public void A_region_asked_for_is_narrowed_to_the_area(string asked, string[] narrowed) =>
        Assert.Equal(narrowed, Bandung.Narrow(asked));

    [Fact]
    public void A_proposal_outside_the_area_is_forbidden_after_its_fields_are_checked()
    {
        var semarang = Proposal("33.74.01.1001") with { Reach = Bandung };

        Assert.IsType<ProposalDecision.Forbidden>(ProposalRules.Decide(semarang, Regions, At.Today));
        Assert.IsType<ProposalDecision.Accepted>(ProposalRules.Decide(Proposal("32.73.01.1002") with { Reach = Bandung }, Regions, At.Today));
        Assert.IsType<ProposalDecision.Refused>(ProposalRules.Decide(semarang with { Members = [] }, Regions, At.Today));
    }

    [Fact]
    public void A_change_to_a_household_outside_the_area_or_moving_people_out_of_it_is_forbidden_as_outside_reach()
    {
        var bandungHousehold = RegisteredHousehold.Active;
        var semarangHousehold = bandungHousehold with { VillageCode = "33.74.01.1001" };
        var local = new Actor("dinsos-kota-bandung", PartnerKind.LocalGovernment);
        var moveOut = new HouseholdChange.ChangeAddress("33.74.01.1001", "Jl. Pemuda 1");
        var moveWithin = new HouseholdChange.ChangeAddress("32.73.01.1003", "Jl. Braga 3");

        var other = Assert.IsType<ChangeDecision.Forbidden>(Decide(semarangHousehold, moveWithin, local));
        var outward = Assert.IsType<ChangeDecision.Forbidden>(Decide(bandungHousehold, moveOut, local));
        var within = Assert.IsType<ChangeDecision.Accepted>(Decide(bandungHousehold, moveWithin, local));

        Assert.True(other.OutsideReach);
        Assert.True(outward.OutsideReach);
        Assert.IsType<ChangeAwaitingApproval>(Assert.Single(within.Events));
        Assert.IsType<ChangeDecision.Accepted>(Decide(bandungHousehold, moveOut, new Actor("kemensos-pusdatin", PartnerKind.Steward), Jurisdiction.Everywhere));
    }

    private static ChangeDecision Decide(Household household, HouseholdChange change, Actor actor, Jurisdiction? reach = null) =>
        ChangeRules.Decide(
            new ChangeHouseholdCommand(household.Id, household.Version, "key-1", "moved", null, change, actor) { Reach = reach ?? Bandung },
            household,
            new ChangeContext(At, Regions));

    private static ProposeHouseholdCommand Proposal(string village) =>
        new(
            "REF-1",
            village == "32.73.01.1002" ? "3273010101200001" : "3374010101200001",
            village,
            "Jl. Sukarasa 1",
            [new MemberDraft("3273014507900001", "Siti Rahmawati", new DateParts(1990, 7, 5), Sex.Female, Relationship.Head)],
            "survey",
            null,
            new Actor("dinsos-kota-bandung", PartnerKind.LocalGovernment));
}
