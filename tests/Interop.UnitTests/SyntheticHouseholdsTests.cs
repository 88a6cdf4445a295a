using Interop.Contracts.Registry.V1;
using Interop.Hub.Grpc;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.ReferenceData;

namespace Interop.UnitTests;

public sealed class SyntheticHouseholdsTests
{
    private static readonly RegionTable Regions = RegionTable.Load(RegionTable.DefaultPath);

    [Fact]
    public void The_same_seed_gives_the_same_households_and_another_seed_other_ones()
    {
        var first = new SyntheticHouseholds(42, Regions).Take(200).ToList();
        var again = new SyntheticHouseholds(42, Regions).Take(200).ToList();
        var other = new SyntheticHouseholds(43, Regions).Take(200).ToList();

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Every_generated_household_passes_the_hubs_own_rules_without_warnings()
    {
        var actor = new Interop.Hub.Partners.Actor("synthetic", Interop.Hub.Partners.PartnerKind.Steward);

        foreach (var request in new SyntheticHouseholds(7, Regions).Take(3_000))
        {
            var decision = ProposalRules.Decide(CommandMapping.ToCommand(request, actor), Regions, SyntheticHouseholds.ReferenceDay);

            var accepted = Assert.IsType<ProposalDecision.Accepted>(decision);
            Assert.Empty(accepted.Warnings);
        }
    }

    [Fact]
    public void No_two_generated_people_share_a_nik_even_in_one_small_area()
    {
        var niks = new SyntheticHouseholds(11, Regions, "32.73.01").Take(5_000)
            .SelectMany(request => request.Household.Members)
            .Select(member => member.Nik)
            .ToList();

        Assert.Equal(niks.Count, niks.Distinct().Count());
    }

    [Fact]
    public void Households_drawn_from_an_area_live_in_it_and_look_like_family_cards()
    {
        var households = new SyntheticHouseholds(3, Regions, "32.73", "BDG-").Take(1_000).ToList();

        Assert.All(households, request => Assert.StartsWith("32.73.", request.Household.VillageCode, StringComparison.Ordinal));
        Assert.All(households, request => Assert.Single(request.Household.Members, member => member.Relationship == Relationship.Head));
        Assert.All(households, request => Assert.StartsWith("3273", request.Household.FamilyCardNumber, StringComparison.Ordinal));
        Assert.Equal("BDG-0000001", households[0].PartnerReference);
        var sizes = households.Select(request => request.Household.Members.Count).ToList();
        Assert.InRange(sizes.Average(), 2.5, 5.0);
        Assert.Contains(households, request => request.Household.Members.Any(member => member.Relationship == Relationship.Parent));
        Assert.Contains(households, request => request.Household.Members.Count == 1);
    }
}
