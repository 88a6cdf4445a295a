using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>Maker-checker: a regency's change to a ratified household takes effect only when the steward approves it.</summary>
[Collection(HubCollection.Name)]
public sealed class MakerCheckerTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "makerchecker")
{

    private RegistryService.RegistryServiceClient Bandung => Hub.Registry(Pki.Bandung);

    private RegistryService.RegistryServiceClient Ministry => Hub.Registry(Pki.Steward);

    private RegistryService.RegistryServiceClient Dukcapil => Hub.Registry(Pki.CivilRegistry);

    [Fact]
    public async Task A_regencys_change_to_a_ratified_household_waits_for_the_steward_who_approves_or_rejects_it_with_a_reason()
    {
        var active = await HouseholdSteps.ActiveAsync(Hub, Pki, 601);

        var birth = await Bandung.ChangeHouseholdAsync(HouseholdRequests.For(active, "birth registered at the village office", AddChild("3273015503250601")));
        var afterBirth = birth.Household;
        Assert.NotEmpty(birth.PendingChangeId);
        Assert.Equal(2, afterBirth.Members.Count);
        var pending = Assert.Single(afterBirth.PendingChanges);
        Assert.Equal(birth.PendingChangeId, pending.ChangeId);
        Assert.Equal("dinsos-kota-bandung", pending.RequestedBy.PartnerId);
        Assert.Equal("birth registered at the village office", pending.Reason);
        Assert.Equal("3273015503250601", pending.AddMember.Member.Nik);

        var move = await Bandung.ChangeHouseholdAsync(HouseholdRequests.For(afterBirth, "moved within Bandung", Move("32.73.01.1003")));
        Assert.Equal("32.73.01.1002", move.Household.VillageCode);
        Assert.Equal(2, move.Household.PendingChanges.Count);

        // The civil registry confirms the newborn before the steward lets the child into the active household.
        var judged = await Dukcapil.ChangeHouseholdAsync(HouseholdRequests.For(move.Household, "birth certificate matched", HouseholdRequests.Confirm("3273015503250601")));
        var approved = await Ministry.ChangeHouseholdAsync(HouseholdRequests.For(judged.Household, "birth certificate seen", Approve(birth.PendingChangeId)));
        Assert.Equal(IdentityStatus.Confirmed, approved.Household.Members[2].IdentityStatus);
        Assert.Empty(approved.PendingChangeId);
        Assert.Equal(3, approved.Household.Members.Count);
        Assert.Equal([move.PendingChangeId], approved.Household.PendingChanges.Select(p => p.ChangeId));

        var rejected = await Ministry.ChangeHouseholdAsync(HouseholdRequests.For(approved.Household, "no proof of the new address", new ChangeHouseholdRequest
        {
            RejectChange = new RejectChange { ChangeId = move.PendingChangeId },
        }));
        Assert.Equal("32.73.01.1002", rejected.Household.VillageCode);
        Assert.Empty(rejected.Household.PendingChanges);

        var history = (await HouseholdSteps.HistoryAsync(Hub, Pki, active.HouseholdId)).Skip((int)active.Version).ToList();
        Assert.Equal(
            [
                (HouseholdEvent.ChangeOneofCase.ChangeAwaitingApproval, "dinsos-kota-bandung", "birth registered at the village office"),
                (HouseholdEvent.ChangeOneofCase.ChangeAwaitingApproval, "dinsos-kota-bandung", "moved within Bandung"),
                (HouseholdEvent.ChangeOneofCase.IdentitiesVerified, "dukcapil", "birth certificate matched"),
                (HouseholdEvent.ChangeOneofCase.ChangeApproved, "kemensos-pusdatin", "birth certificate seen"),
                // The approved change itself, in the name of the regency that asked for it.
                (HouseholdEvent.ChangeOneofCase.MemberAdded, "dinsos-kota-bandung", "birth registered at the village office"),
                (HouseholdEvent.ChangeOneofCase.ChangeRejected, "kemensos-pusdatin", "no proof of the new address"),
            ],
            history.Select(e => (e.ChangeCase, e.Actor.PartnerId, e.Reason)));
        Assert.Equal(birth.PendingChangeId, history[3].ChangeApproved.ChangeId);
        Assert.Equal(move.PendingChangeId, history[5].ChangeRejected.ChangeId);
    }

    [Fact]
    public async Task A_regencys_change_to_its_own_proposal_applies_at_once_because_the_steward_reviews_it_when_ratifying()
    {
        var proposed = await HouseholdSteps.ProposeAsync(Hub, Pki, 611);

        var added = await Bandung.ChangeHouseholdAsync(HouseholdRequests.For(proposed, "child missing from the survey form", AddChild("3273015503250611")));

        Assert.Empty(added.PendingChangeId);
        Assert.Equal(3, added.Household.Members.Count);
        Assert.Empty(added.Household.PendingChanges);
    }

    [Fact]
    public async Task A_pending_change_replayed_under_its_key_gives_the_same_change_id_and_is_stored_once()
    {
        var active = await HouseholdSteps.ActiveAsync(Hub, Pki, 621);
        var request = HouseholdRequests.For(active, "moved within Bandung", Move("32.73.01.1003"));

        var first = await Bandung.ChangeHouseholdAsync(request);
        var again = await Bandung.ChangeHouseholdAsync(request);

        Assert.Equal(first.PendingChangeId, again.PendingChangeId);
        Assert.Equal(first.Household, again.Household);
        Assert.Single((await HouseholdSteps.GetAsync(Hub, Pki, active.HouseholdId)).PendingChanges);
    }

    [Fact]
    public async Task Approvals_that_do_not_fit_are_refused_and_change_nothing()
    {
        var active = await HouseholdSteps.ActiveAsync(Hub, Pki, 631);
        var first = await Bandung.ChangeHouseholdAsync(HouseholdRequests.For(active, "birth", AddChild("3273015503250631")));
        // The same child asked for twice: both wait, only one can take effect.
        var twice = await Bandung.ChangeHouseholdAsync(HouseholdRequests.For(first.Household, "birth, sent again by another officer", AddChild("3273015503250631")));
        await AssertRefusedAsync(Ministry, twice.Household, Approve(first.PendingChangeId), StatusCode.FailedPrecondition, "civil registry has not confirmed that NIK");
        var judged = (await Dukcapil.ChangeHouseholdAsync(HouseholdRequests.For(twice.Household, "birth certificate matched", HouseholdRequests.Confirm("3273015503250631")))).Household;
        var household = (await Ministry.ChangeHouseholdAsync(HouseholdRequests.For(judged, "birth certificate seen", Approve(first.PendingChangeId)))).Household;

        await AssertRefusedAsync(Ministry, household, Approve(twice.PendingChangeId), StatusCode.FailedPrecondition, "already a member");
        await AssertRefusedAsync(Ministry, household, Approve(first.PendingChangeId), StatusCode.FailedPrecondition, "decided already");
        await AssertRefusedAsync(Ministry, household, Approve(Guid.NewGuid().ToString()), StatusCode.FailedPrecondition, "No change with that id");
        await AssertRefusedAsync(Ministry, household, new ChangeHouseholdRequest { RejectChange = new RejectChange { ChangeId = first.PendingChangeId } }, StatusCode.FailedPrecondition, "decided already");
        await AssertRefusedAsync(Bandung, household, Approve(twice.PendingChangeId), StatusCode.PermissionDenied, "may not approve change");
        var malformed = await AssertRefusedAsync(Ministry, household, Approve("not-an-id"), StatusCode.InvalidArgument, "invalid field");
        Assert.Equal("approve_change.change_id", Assert.Single(malformed.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);

        // A NIK active in another household is refused when asked for, not left for the steward to find.
        var other = await HouseholdSteps.ActiveAsync(Hub, Pki, 632);
        await AssertRefusedAsync(Bandung, household, new ChangeHouseholdRequest { AddMember = new AddMember { Member = other.Members[1].Clone() } }, StatusCode.FailedPrecondition, "active in household");
    }

    private Task<RpcException> AssertRefusedAsync(
        RegistryService.RegistryServiceClient client, Household household, ChangeHouseholdRequest change, StatusCode code, string because) =>
        HouseholdSteps.AssertRefusedAsync(Hub, Pki, client, household, change, code, because);

    [Fact]
    public async Task A_household_that_closes_withdraws_its_pending_changes_in_the_name_of_whoever_closed_it()
    {
        var deactivating = await HouseholdSteps.ActiveAsync(Hub, Pki, 611);
        var asked = await Bandung.ChangeHouseholdAsync(HouseholdRequests.For(deactivating, "moved within Bandung", Move("32.73.01.1003")));

        var deactivated = (await Ministry.ChangeHouseholdAsync(HouseholdRequests.For(asked.Household, "no longer eligible", new ChangeHouseholdRequest
        {
            DeactivateHousehold = new DeactivateHousehold(),
        }))).Household;

        Assert.Empty(deactivated.PendingChanges);
        var history = await HouseholdSteps.HistoryAsync(Hub, Pki, deactivating.HouseholdId);
        Assert.Equal(
            [
                (HouseholdEvent.ChangeOneofCase.ChangeRejected, "kemensos-pusdatin", "withdrawn: the household was deactivated"),
                (HouseholdEvent.ChangeOneofCase.HouseholdDeactivated, "kemensos-pusdatin", "no longer eligible"),
            ],
            history.TakeLast(2).Select(e => (e.ChangeCase, e.Actor.PartnerId, e.Reason)));
        Assert.Equal(asked.PendingChangeId, history[^2].ChangeRejected.ChangeId);

        // A household that joins another family closes too.
        var survivor = await HouseholdSteps.ActiveAsync(Hub, Pki, 612);
        var joining = await HouseholdSteps.ActiveAsync(Hub, Pki, 613);
        var birth = await Bandung.ChangeHouseholdAsync(HouseholdRequests.For(joining, "birth registered at the village office", AddChild("3273015503250613")));
        await Ministry.ChangeHouseholdAsync(HouseholdRequests.For(survivor, "the families live together now", FamilyCardTests.Merge(birth.Household, Relationship.Parent, Relationship.Grandchild)));

        var closed = await HouseholdSteps.GetAsync(Hub, Pki, joining.HouseholdId);
        Assert.Equal(HouseholdStatus.Merged, closed.Status);
        Assert.Empty(closed.PendingChanges);
        var closedHistory = await HouseholdSteps.HistoryAsync(Hub, Pki, joining.HouseholdId);
        Assert.Equal(
            [HouseholdEvent.ChangeOneofCase.ChangeRejected, HouseholdEvent.ChangeOneofCase.JoinedFamily],
            closedHistory.TakeLast(2).Select(e => e.ChangeCase));
        Assert.Equal($"withdrawn: the household joined household {survivor.HouseholdId}", closedHistory[^2].Reason);
    }

    private static ChangeHouseholdRequest AddChild(string nik) => new()
    {
        AddMember = new AddMember
        {
            Member = new Member { Nik = nik, FullName = "Aisyah Putri", BirthDate = new Google.Type.Date { Year = 2025, Month = 3, Day = 15 }, Sex = Sex.Female, Relationship = Relationship.Child },
        },
    };

    private static ChangeHouseholdRequest Move(string villageCode) =>
        new() { ChangeAddress = new ChangeAddress { VillageCode = villageCode, AddressLine = "Jl. Isola No. 9 RT 01/RW 03" } };

    private static ChangeHouseholdRequest Approve(string changeId) => new() { ApproveChange = new ApproveChange { ChangeId = changeId } };
}
