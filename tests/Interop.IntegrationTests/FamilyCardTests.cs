using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>Households split (members leave on a new family card) and two real families merge onto one card.</summary>
[Collection(HubCollection.Name)]
public sealed class FamilyCardTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "familycards")
{

    private RegistryService.RegistryServiceClient Dukcapil => Hub.Registry(Pki.CivilRegistry);

    private RegistryService.RegistryServiceClient Ministry => Hub.Registry(Pki.Steward);

    [Fact]
    public async Task A_member_who_splits_off_forms_an_active_household_on_a_new_card_and_takes_the_nik_along()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 901);
        var leaving = household.Members[1];

        var split = await Dukcapil.ChangeHouseholdAsync(HouseholdRequests.For(household, "new family card issued (pecah KK)", SplitOff(leaving.Nik, "3273010101209901")));

        Assert.Equal([household.Members[0].Nik], split.Household.Members.Select(m => m.Nik));
        var formed = await HouseholdSteps.GetAsync(Hub, Pki, split.NewHouseholdId);
        Assert.Equal((HouseholdStatus.Active, "3273010101209901", "32.73.02.1001"), (formed.Status, formed.FamilyCardNumber, formed.VillageCode));
        Assert.Equal([(leaving.Nik, Relationship.Head)], formed.Members.Select(m => (m.Nik, m.Relationship)));
        Assert.Equal("dukcapil", formed.ProposedBy.PartnerId);
        var origin = await HouseholdSteps.HistoryAsync(Hub, Pki, household.HouseholdId);
        Assert.Equal(split.NewHouseholdId, origin[^1].HouseholdSplit.NewHouseholdId);
        var start = Assert.Single(await HouseholdSteps.HistoryAsync(Hub, Pki, split.NewHouseholdId));
        Assert.Equal((household.HouseholdId, "new family card issued (pecah KK)"), (start.SplitOff.FromHouseholdId, start.Reason));

        // The NIK is active in the new household now: searching finds it there, and it cannot be added back to the old one.
        var found = await Ministry.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = leaving.Nik });
        Assert.Equal([split.NewHouseholdId], found.Households.Select(h => h.HouseholdId));
        // (The civil registry adds: the person is confirmed by it, and what refuses is the NIK active elsewhere.)
        var addBack = await Assert.ThrowsAsync<RpcException>(() => Dukcapil.ChangeHouseholdAsync(HouseholdRequests.For(split.Household, "test", new ChangeHouseholdRequest
        {
            AddMember = new AddMember { Member = leaving.Clone() },
        })).ResponseAsync);
        Assert.Contains(split.NewHouseholdId, addBack.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_families_merge_onto_one_card_and_the_other_household_is_closed_and_points_to_the_survivor()
    {
        var survivor = await HouseholdSteps.ActiveAsync(Hub, Pki, 911);
        var joining = await HouseholdSteps.ActiveAsync(Hub, Pki, 912);

        var merged = await Ministry.ChangeHouseholdAsync(HouseholdRequests.For(survivor, "the families live together now", Merge(joining, Relationship.Parent, Relationship.Grandchild)));

        Assert.Equal(4, merged.Household.Members.Count);
        Assert.Equal([Relationship.Parent, Relationship.Grandchild], merged.Household.Members.Skip(2).Select(m => m.Relationship));
        var closed = await HouseholdSteps.GetAsync(Hub, Pki, joining.HouseholdId);
        Assert.Equal((HouseholdStatus.Merged, survivor.HouseholdId, joining.Version + 1), (closed.Status, closed.MergedIntoHouseholdId, closed.Version));
        Assert.Equal(joining.HouseholdId, (await HouseholdSteps.HistoryAsync(Hub, Pki, survivor.HouseholdId))[^1].FamilyJoined.FromHouseholdId);
        var found = await Ministry.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = joining.Members[0].Nik });
        Assert.Contains(survivor.HouseholdId, found.Households.Select(h => h.HouseholdId));
        await AssertRefusedAsync(Ministry, closed, new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() }, StatusCode.FailedPrecondition, "merged into household");
    }

    [Fact]
    public async Task Splits_and_merges_that_do_not_fit_are_refused_and_write_nothing()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 921);
        var other = await HouseholdSteps.ActiveAsync(Hub, Pki, 922);
        var proposal = await HouseholdSteps.ProposeAsync(Hub, Pki, 923);

        await AssertRefusedAsync(Ministry, household, SplitOff(household.Members[0].Nik, "3273010101209921"), StatusCode.FailedPrecondition, "head of the family stays");
        await AssertRefusedAsync(Ministry, household, SplitOff(other.Members[1].Nik, "3273010101209921"), StatusCode.FailedPrecondition, "must be a member");
        await AssertRefusedAsync(Ministry, household, SplitOff(household.Members[1].Nik, household.FamilyCardNumber), StatusCode.FailedPrecondition, "family card number of its own");
        await AssertRefusedAsync(Ministry, proposal, SplitOff(proposal.Members[1].Nik, "3273010101209921"), StatusCode.FailedPrecondition, "Only a ratified");
        await AssertRefusedAsync(Hub.Registry(Pki.Bandung), household, SplitOff(household.Members[1].Nik, "3273010101209921"), StatusCode.PermissionDenied, "may not split household");
        var malformed = await AssertRefusedAsync(Ministry, household, new ChangeHouseholdRequest
        {
            SplitHousehold = new SplitHousehold
            {
                Members = { new MemberRelationship { Nik = household.Members[1].Nik, Relationship = Relationship.Child } },
                FamilyCardNumber = "12",
                VillageCode = "99.99.99.9999",
            },
        }, StatusCode.InvalidArgument, "invalid field");
        Assert.Equal(
            ["split_household.address_line", "split_household.family_card_number", "split_household.members", "split_household.village_code"],
            malformed.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field).Order(StringComparer.Ordinal));

        await AssertRefusedAsync(Ministry, household, Merge(proposal, Relationship.Parent, Relationship.Grandchild), StatusCode.FailedPrecondition, "only an active household's family");
        var partial = Merge(other, Relationship.Parent, Relationship.Grandchild);
        partial.MergeHousehold.Members.RemoveAt(1);
        await AssertRefusedAsync(Ministry, household, partial, StatusCode.FailedPrecondition, "every member of the other household");
        var staleOther = Merge(other, Relationship.Parent, Relationship.Grandchild);
        staleOther.MergeHousehold.OtherExpectedVersion = other.Version - 1;
        await AssertRefusedAsync(Ministry, household, staleOther, StatusCode.Aborted, $"other household {other.HouseholdId} is at version {other.Version}");
        var unknown = Merge(other, Relationship.Parent, Relationship.Grandchild);
        unknown.MergeHousehold.OtherHouseholdId = Guid.NewGuid().ToString();
        await AssertRefusedAsync(Ministry, household, unknown, StatusCode.NotFound, "other_household_id");
        var widowed = await HouseholdSteps.ActiveAsync(Hub, Pki, 924);
        widowed = await HouseholdSteps.ChangeAsync(Dukcapil, widowed, "death certificate", new ChangeHouseholdRequest
        {
            RecordDeath = new RecordDeath { Nik = widowed.Members[1].Nik, DeathDate = new Google.Type.Date { Year = 2026, Month = 1, Day = 2 } },
        });
        await AssertRefusedAsync(Ministry, household, Merge(widowed, Relationship.Parent, Relationship.Grandchild), StatusCode.FailedPrecondition, "recorded as deceased");
        var itself = Merge(household, Relationship.Parent, Relationship.Grandchild);
        await AssertRefusedAsync(Ministry, household, itself, StatusCode.InvalidArgument, "invalid field");
        Assert.Equal(other.Version, (await HouseholdSteps.GetAsync(Hub, Pki, other.HouseholdId)).Version);
    }

    private Task<RpcException> AssertRefusedAsync(
        RegistryService.RegistryServiceClient client, Household household, ChangeHouseholdRequest change, StatusCode code, string because) =>
        HouseholdSteps.AssertRefusedAsync(Hub, Pki, client, household, change, code, because);

    internal static ChangeHouseholdRequest SplitOff(string nik, string familyCardNumber) => new()
    {
        SplitHousehold = new SplitHousehold
        {
            Members = { new MemberRelationship { Nik = nik, Relationship = Relationship.Head } },
            FamilyCardNumber = familyCardNumber,
            VillageCode = "32.73.02.1001",
            AddressLine = "Jl. Cihampelas No. 4 RT 01/RW 05",
        },
    };

    internal static ChangeHouseholdRequest Merge(Household other, Relationship head, Relationship child) => new()
    {
        MergeHousehold = new MergeHousehold
        {
            OtherHouseholdId = other.HouseholdId,
            OtherExpectedVersion = other.Version,
            Members =
            {
                new MemberRelationship { Nik = other.Members[0].Nik, Relationship = head },
                new MemberRelationship { Nik = other.Members[1].Nik, Relationship = child },
            },
        },
    };
}
