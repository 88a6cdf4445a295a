using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>A NIK is active in one household only: a second proposal with it becomes a case for the steward.</summary>
[Collection(HubCollection.Name)]
public sealed class ConflictCaseTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "conflicts")
{

    private RegistryService.RegistryServiceClient Bandung => Hub.Registry(Pki.Bandung);

    private RegistryService.RegistryServiceClient Ministry => Hub.Registry(Pki.Steward);

    [Fact]
    public async Task A_proposal_with_a_nik_active_elsewhere_is_held_in_a_conflict_case_instead_of_making_a_second_person()
    {
        var (existing, held, caseId) = await ConflictAsync(301, 302);

        Assert.Equal(HouseholdStatus.Proposed, held.Status);
        Assert.Equal(caseId, held.OpenConflictCaseId);
        var conflict = (await Ministry.GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = caseId })).ConflictCase;
        Assert.Equal(ConflictCaseStatus.Open, conflict.Status);
        Assert.Equal(held.HouseholdId, conflict.ProposedHouseholdId);
        Assert.Equal([existing.HouseholdId], conflict.ExistingHouseholdIds);
        Assert.Equal([existing.Members[1].Nik], conflict.Niks);

        var history = await HistoryAsync(held.HouseholdId);
        Assert.Equal([HouseholdEvent.ChangeOneofCase.HouseholdProposed, HouseholdEvent.ChangeOneofCase.HeldForConflict], history.Select(e => e.ChangeCase));
        Assert.Equal("interop-hub", history[1].Actor.PartnerId);

        var verified = await ChangeAsync(Hub.Registry(Pki.CivilRegistry), held, HouseholdRequests.VerifyAll(held));
        var ratify = await Assert.ThrowsAsync<RpcException>(() => Ministry.ChangeHouseholdAsync(HouseholdRequests.For(verified, new ChangeHouseholdRequest { RatifyHousehold = new RatifyHousehold() })).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, ratify.StatusCode);
        Assert.Contains("Conflict case", ratify.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_taken_nik_in_a_stream_of_new_households_holds_only_its_own_household_and_stores_each_once()
    {
        var existing = await ProposeAsync(Households.Valid("CONFLICT-341", 341));
        var taken = Households.Valid("CONFLICT-342", 342);
        taken.Household.Members[1] = existing.Members[1].Clone();

        // New NIKs are inserted without a lookup; the taken one fails that commit, which is stored again with the lookup.
        var fresh = Households.Valid("CONFLICT-343", 343);
        var outcomes = await SubmittingHouseholdsTests.SubmitAsync(Bandung, [fresh, taken, Households.Valid("CONFLICT-344", 344)]);

        Assert.Equal([false, true, false], outcomes.Select(outcome => outcome.Accepted.ConflictCaseId.Length > 0));
        Assert.Equal(3, outcomes.Select(outcome => outcome.Accepted.HouseholdId).Distinct().Count());
        foreach (var outcome in outcomes)
        {
            var history = await HistoryAsync(outcome.Accepted.HouseholdId);
            Assert.Equal(outcome.Accepted.ConflictCaseId.Length > 0 ? 2 : 1, history.Count);
        }

        var search = await Ministry.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = fresh.Household.Members[0].Nik });
        Assert.Equal([outcomes[0].Accepted.HouseholdId], search.Households.Select(household => household.HouseholdId));

        // The commit that met the taken NIK failed before its events drew sequence numbers: no gap for the change feed to wait out.
        Assert.Equal(
            await StoreProbe.CountAsync(ConnectionString, "select max(seq_id) from interop.mt_events"),
            await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.mt_events"));
    }

    [Fact]
    public async Task The_steward_merges_a_duplicate_and_the_survivor_keeps_both_histories()
    {
        var (existing, held, caseId) = await ConflictAsync(311, 312);

        var resolved = (await Ministry.ResolveConflictCaseAsync(Resolve(caseId, ConflictResolution.MergeIntoExisting))).ConflictCase;

        Assert.Equal(ConflictCaseStatus.Resolved, resolved.Status);
        Assert.Equal("kemensos-pusdatin", resolved.ResolvedBy.PartnerId);
        var merged = await GetAsync(held.HouseholdId);
        var survivor = await GetAsync(existing.HouseholdId);
        Assert.Equal(HouseholdStatus.Merged, merged.Status);
        Assert.Equal(existing.HouseholdId, merged.MergedIntoHouseholdId);
        Assert.Equal([held.HouseholdId], survivor.MergedHouseholdIds);
        var history = await HistoryAsync(existing.HouseholdId);
        Assert.Equal(
            [
                (HouseholdEvent.ChangeOneofCase.HouseholdProposed, existing.HouseholdId),
                (HouseholdEvent.ChangeOneofCase.HouseholdProposed, held.HouseholdId),
                (HouseholdEvent.ChangeOneofCase.HeldForConflict, held.HouseholdId),
                (HouseholdEvent.ChangeOneofCase.MergedInto, held.HouseholdId),
                (HouseholdEvent.ChangeOneofCase.DuplicateMerged, existing.HouseholdId),
            ],
            history.Select(e => (e.ChangeCase, e.HouseholdId)));

        var addToMerged = await Assert.ThrowsAsync<RpcException>(() => Bandung.ChangeHouseholdAsync(HouseholdRequests.For(merged, new ChangeHouseholdRequest
        {
            AddMember = new AddMember { Member = new Member { Nik = "3273015503250312", FullName = "Bayi", BirthDate = new Google.Type.Date { Year = 2025, Month = 3, Day = 15 }, Sex = Sex.Female, Relationship = Relationship.Child } },
        })).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, addToMerged.StatusCode);
        Assert.Contains("merged into", addToMerged.Status.Detail, StringComparison.Ordinal);

        var again = await Assert.ThrowsAsync<RpcException>(() => Ministry.ResolveConflictCaseAsync(Resolve(caseId, ConflictResolution.RejectProposal)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
    }

    [Fact]
    public async Task When_the_person_moved_the_steward_moves_the_member_and_the_nik_follows_to_the_new_household()
    {
        var (existing, held, caseId) = await ConflictAsync(321, 322);
        var movingNik = existing.Members[1].Nik;

        await Ministry.ResolveConflictCaseAsync(Resolve(caseId, ConflictResolution.MoveMembers));

        var old = await GetAsync(existing.HouseholdId);
        var cleared = await GetAsync(held.HouseholdId);
        Assert.DoesNotContain(old.Members, member => member.Nik == movingNik);
        Assert.Equal(string.Empty, cleared.OpenConflictCaseId);
        Assert.Contains(cleared.Members, member => member.Nik == movingNik);
        var removal = (await HistoryAsync(existing.HouseholdId)).Last();
        Assert.Equal(HouseholdEvent.ChangeOneofCase.MemberRemoved, removal.ChangeCase);
        Assert.Equal("kemensos-pusdatin", removal.Actor.PartnerId);
        // In the order decided: the person leaves the old household before the proposal, now holding the NIK, is cleared.
        var clearing = (await HistoryAsync(held.HouseholdId)).Last();
        Assert.Equal(HouseholdEvent.ChangeOneofCase.ConflictCleared, clearing.ChangeCase);
        Assert.True(removal.Sequence < clearing.Sequence, $"removal at {removal.Sequence}, clearing at {clearing.Sequence}");

        // The NIK is now active in the new household: proposing it a third time conflicts with that one.
        var third = Households.Valid("CONFLICT-323", 323);
        third.Household.Members[1] = existing.Members[1].Clone();
        var outcome = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [third]));
        var thirdCase = (await Ministry.GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = outcome.Accepted.ConflictCaseId })).ConflictCase;
        Assert.Equal([held.HouseholdId], thirdCase.ExistingHouseholdIds);
    }

    [Fact]
    public async Task Only_the_steward_resolves_and_a_resolution_must_be_possible()
    {
        var (existing, _, caseId) = await ConflictAsync(331, 332);

        var byRegency = await Assert.ThrowsAsync<RpcException>(() => Bandung.ResolveConflictCaseAsync(Resolve(caseId, ConflictResolution.RejectProposal)).ResponseAsync);
        var unspecified = await Assert.ThrowsAsync<RpcException>(() => Ministry.ResolveConflictCaseAsync(Resolve(caseId, ConflictResolution.Unspecified)).ResponseAsync);
        var headConflict = Households.Valid("CONFLICT-333", 333);
        headConflict.Household.Members[0] = existing.Members[0].Clone();
        var headCase = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [headConflict])).Accepted.ConflictCaseId;
        var moveHead = await Assert.ThrowsAsync<RpcException>(() => Ministry.ResolveConflictCaseAsync(Resolve(headCase, ConflictResolution.MoveMembers)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, byRegency.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, unspecified.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, moveHead.StatusCode);
        Assert.Contains("head", moveHead.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(ConflictCaseStatus.Open, (await Ministry.GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = caseId })).ConflictCase.Status);
    }

    [Fact]
    public async Task An_unknown_case_is_not_found_and_a_malformed_case_id_is_refused()
    {
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Ministry.GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = Guid.NewGuid().ToString() }).ResponseAsync);
        var resolveUnknown = await Assert.ThrowsAsync<RpcException>(() => Ministry.ResolveConflictCaseAsync(Resolve(Guid.NewGuid().ToString(), ConflictResolution.RejectProposal)).ResponseAsync);
        var malformed = await Assert.ThrowsAsync<RpcException>(() => Ministry.GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = "case-1" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("interop.registry.v1.ConflictCase", unknown.GetRpcStatus()!.GetDetail<Google.Rpc.ResourceInfo>().ResourceType);
        Assert.Equal(StatusCode.NotFound, resolveUnknown.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
    }

    [Fact]
    public async Task A_resolution_sent_twice_under_one_key_is_applied_once_and_the_key_cannot_carry_another_decision()
    {
        var (_, held, caseId) = await ConflictAsync(351, 352);
        var reject = Resolve(caseId, ConflictResolution.RejectProposal);

        var first = await Ministry.ResolveConflictCaseAsync(reject);
        var again = await Ministry.ResolveConflictCaseAsync(reject);
        var other = reject.Clone();
        other.Resolution = ConflictResolution.MergeIntoExisting;
        var conflict = await Assert.ThrowsAsync<RpcException>(() => Ministry.ResolveConflictCaseAsync(other).ResponseAsync);

        Assert.Equal(first.ConflictCase, again.ConflictCase);
        Assert.Equal(StatusCode.AlreadyExists, conflict.StatusCode);
        var firstUse = conflict.GetRpcStatus()!.GetDetail<Google.Rpc.ResourceInfo>();
        Assert.Equal(("interop.registry.v1.ConflictCase", caseId), (firstUse.ResourceType, firstUse.ResourceName));
        Assert.Contains($"on conflict case {caseId}", conflict.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(HouseholdStatus.Rejected, (await GetAsync(held.HouseholdId)).Status);
    }

    [Fact]
    public async Task A_member_whose_nik_is_active_in_another_household_cannot_be_added()
    {
        var first = await ProposeAsync(Households.Valid("CONFLICT-341", 341));
        var second = await ProposeAsync(Households.Valid("CONFLICT-342", 342));

        var refusal = await Assert.ThrowsAsync<RpcException>(() => Bandung.ChangeHouseholdAsync(HouseholdRequests.For(second, new ChangeHouseholdRequest
        {
            AddMember = new AddMember { Member = first.Members[1].Clone() },
        })).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, refusal.StatusCode);
        Assert.Contains(first.HouseholdId, refusal.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resolution_is_decided_on_the_households_as_they_are_now_and_changes_nothing_when_they_no_longer_fit()
    {
        // The person left the household the case names (the regency removed the child from its proposal).
        var (existing, _, caseId) = await ConflictAsync(361, 362);
        await ChangeAsync(Bandung, existing, new ChangeHouseholdRequest { RemoveMember = new RemoveMember { Nik = existing.Members[1].Nik } });
        var events = await StoreProbe.HouseholdEventCountAsync(ConnectionString);

        var left = await Assert.ThrowsAsync<RpcException>(() => Ministry.ResolveConflictCaseAsync(Resolve(caseId, ConflictResolution.MoveMembers)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, left.StatusCode);
        Assert.Contains("niks[0] is no longer a member", left.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(existing.Members[1].Nik, left.Status.Detail, StringComparison.Ordinal);
        Assert.NotEmpty(left.GetRpcStatus()!.GetDetail<Google.Rpc.PreconditionFailure>().Violations);
        Assert.Equal(events, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
        Assert.Equal(ConflictCaseStatus.Open, (await Ministry.GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = caseId })).ConflictCase.Status);

        // The household it would merge into was rejected meanwhile.
        var (closing, _, mergeCase) = await ConflictAsync(363, 364);
        await ChangeAsync(Ministry, closing, new ChangeHouseholdRequest { RejectProposal = new RejectProposal() });
        events = await StoreProbe.HouseholdEventCountAsync(ConnectionString);

        var closed = await Assert.ThrowsAsync<RpcException>(() => Ministry.ResolveConflictCaseAsync(Resolve(mergeCase, ConflictResolution.MergeIntoExisting)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, closed.StatusCode);
        Assert.Contains("rejected after the case opened", closed.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(closing.HouseholdId, closed.GetRpcStatus()!.GetDetail<Google.Rpc.PreconditionFailure>().Violations.Single().Subject);
        Assert.Equal(events, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
    }

    [Fact]
    public async Task Rejecting_a_held_proposal_outside_the_case_settles_the_case()
    {
        var (_, held, caseId) = await ConflictAsync(371, 372);

        var rejected = await ChangeAsync(Ministry, held, new ChangeHouseholdRequest { RejectProposal = new RejectProposal() });

        Assert.Equal((HouseholdStatus.Rejected, string.Empty), (rejected.Status, rejected.OpenConflictCaseId));
        var settled = (await Ministry.GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = caseId })).ConflictCase;
        Assert.Equal((ConflictCaseStatus.Resolved, ConflictResolution.RejectProposal, "kemensos-pusdatin"), (settled.Status, settled.Resolution, settled.ResolvedBy.PartnerId));
        Assert.StartsWith("settled: the proposal was closed", settled.ResolutionReason, StringComparison.Ordinal);
        var again = await Assert.ThrowsAsync<RpcException>(() => Ministry.ResolveConflictCaseAsync(Resolve(caseId, ConflictResolution.MoveMembers)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        Assert.Contains("already resolved", again.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_family_card_number_held_by_an_open_household_holds_a_second_proposal_in_a_case_as_a_taken_nik_does()
    {
        var existing = await ProposeAsync(Households.Valid("CARD-381", 381));
        var sameCard = Households.Valid("CARD-382", 382);
        sameCard.Household.FamilyCardNumber = existing.FamilyCardNumber;
        // Two new proposals on one new card in one stream: the second is held by the first.
        var first = Households.Valid("CARD-383", 383);
        var second = Households.Valid("CARD-384", 384);
        second.Household.FamilyCardNumber = first.Household.FamilyCardNumber;

        var outcomes = await SubmittingHouseholdsTests.SubmitAsync(Bandung, [sameCard, first, second]);

        Assert.Equal([true, false, true], outcomes.Select(outcome => outcome.Accepted.ConflictCaseId.Length > 0));
        var conflict = (await Ministry.GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = outcomes[0].Accepted.ConflictCaseId })).ConflictCase;
        Assert.Equal((ConflictKind.FamilyCardInUse, ConflictCaseStatus.Open), (conflict.Kind, conflict.Status));
        Assert.Equal([existing.HouseholdId], conflict.ExistingHouseholdIds);
        Assert.Empty(conflict.Niks);
        Assert.Equal(
            [outcomes[1].Accepted.HouseholdId],
            (await Ministry.GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = outcomes[2].Accepted.ConflictCaseId })).ConflictCase.ExistingHouseholdIds);

        // Held: its people are not registered, it cannot be ratified, and only a merge or a rejection resolves it.
        var held = await GetAsync(outcomes[0].Accepted.HouseholdId);
        var searched = await Ministry.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = sameCard.Household.Members[0].Nik });
        Assert.Equal([held.HouseholdId], searched.Households.Select(household => household.HouseholdId));
        var verified = await ChangeAsync(Hub.Registry(Pki.CivilRegistry), held, HouseholdRequests.VerifyAll(held));
        await HouseholdSteps.AssertRefusedAsync(Hub, Pki, Ministry, verified, new ChangeHouseholdRequest { RatifyHousehold = new RatifyHousehold() }, StatusCode.FailedPrecondition, "Conflict case");
        foreach (var resolution in new[] { ConflictResolution.MoveMembers, ConflictResolution.MarkDistinct })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => Ministry.ResolveConflictCaseAsync(Resolve(conflict.ConflictCaseId, resolution)).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
            Assert.Contains("One family card cannot be two open households", refused.Status.Detail, StringComparison.Ordinal);
        }

        var merged = await Ministry.ResolveConflictCaseAsync(Resolve(conflict.ConflictCaseId, ConflictResolution.MergeIntoExisting));
        Assert.Equal(ConflictCaseStatus.Resolved, merged.ConflictCase.Status);
        Assert.Equal((HouseholdStatus.Merged, existing.HouseholdId), ((await GetAsync(held.HouseholdId)).Status, (await GetAsync(held.HouseholdId)).MergedIntoHouseholdId));
    }

    [Fact]
    public async Task A_family_card_number_is_free_again_once_its_household_closes_and_a_split_cannot_take_a_held_one()
    {
        var rejected = await ProposeAsync(Households.Valid("CARD-391", 391));
        await ChangeAsync(Ministry, rejected, new ChangeHouseholdRequest { RejectProposal = new RejectProposal() });
        var again = Households.Valid("CARD-392", 392);
        again.Household.FamilyCardNumber = rejected.FamilyCardNumber;

        var reproposed = await ProposeAsync(again);

        Assert.Equal(rejected.FamilyCardNumber, reproposed.FamilyCardNumber);
        var active = await HouseholdSteps.ActiveAsync(Hub, Pki, 393);
        await HouseholdSteps.AssertRefusedAsync(
            Hub, Pki, Ministry, active, FamilyCardTests.SplitOff(active.Members[1].Nik, reproposed.FamilyCardNumber), StatusCode.FailedPrecondition, "held by open household");
        Assert.Equal(1, await StoreProbe.CountAsync(ConnectionString, $"select count(*) from interop.family_card_registration where family_card_number = {reproposed.FamilyCardNumber}"));
    }

    [Fact]
    public async Task Moving_members_needs_the_people_still_on_the_proposal_and_registers_those_added_while_it_was_held()
    {
        // The regency took the conflicting person off its held proposal: moving would leave that person in no household.
        var (existing, held, caseId) = await ConflictAsync(401, 402);
        var withoutThem = await ChangeAsync(Bandung, held, new ChangeHouseholdRequest { RemoveMember = new RemoveMember { Nik = existing.Members[1].Nik } });
        Assert.DoesNotContain(withoutThem.Members, member => member.Nik == existing.Members[1].Nik);
        var refused = await Assert.ThrowsAsync<RpcException>(() => Ministry.ResolveConflictCaseAsync(Resolve(caseId, ConflictResolution.MoveMembers)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("no longer a member of the proposal", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains((await GetAsync(existing.HouseholdId)).Members, member => member.Nik == existing.Members[1].Nik);

        // A person added to a held proposal is registered when the case clears it, not before.
        var (other, otherHeld, otherCase) = await ConflictAsync(403, 404);
        var newborn = new Member { Nik = "3273015503250404", FullName = "Putri", BirthDate = new Google.Type.Date { Year = 2025, Month = 3, Day = 15 }, Sex = Sex.Female, Relationship = Relationship.Child };
        await ChangeAsync(Bandung, otherHeld, new ChangeHouseholdRequest { AddMember = new AddMember { Member = newborn } });
        Assert.Equal(0, await StoreProbe.CountAsync(ConnectionString, $"select count(*) from interop.nik_registration where nik = {newborn.Nik}"));

        var moved = await Ministry.ResolveConflictCaseAsync(Resolve(otherCase, ConflictResolution.MoveMembers));

        Assert.Equal(ConflictCaseStatus.Resolved, moved.ConflictCase.Status);
        var found = await Ministry.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = newborn.Nik });
        Assert.Equal([otherHeld.HouseholdId], found.Households.Select(household => household.HouseholdId));
        Assert.DoesNotContain((await GetAsync(other.HouseholdId)).Members, member => member.Nik == other.Members[1].Nik);
    }

    [Fact]
    public async Task A_proposal_held_for_its_family_card_is_marked_distinct_once_the_card_is_free_and_then_holds_it()
    {
        var holder = await ProposeAsync(Households.Valid("CARD-411", 411));
        var sameCard = Households.Valid("CARD-412", 412);
        sameCard.Household.FamilyCardNumber = holder.FamilyCardNumber;
        var caseId = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [sameCard])).Accepted.ConflictCaseId;
        var stillHeld = await Assert.ThrowsAsync<RpcException>(() => Ministry.ResolveConflictCaseAsync(Resolve(caseId, ConflictResolution.MarkDistinct)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, stillHeld.StatusCode);

        await ChangeAsync(Ministry, holder, new ChangeHouseholdRequest { RejectProposal = new RejectProposal() });
        var cleared = await Ministry.ResolveConflictCaseAsync(Resolve(caseId, ConflictResolution.MarkDistinct));

        var proposal = await GetAsync(cleared.ConflictCase.ProposedHouseholdId);
        Assert.Equal(string.Empty, proposal.OpenConflictCaseId);
        Assert.Equal(1, await StoreProbe.CountAsync(ConnectionString, $"select count(*) from interop.family_card_registration where household_id = '{proposal.HouseholdId}'"));
        var found = await Ministry.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = sameCard.Household.Members[0].Nik });
        Assert.Equal([proposal.HouseholdId], found.Households.Select(household => household.HouseholdId));
    }

    private async Task<(Household Existing, Household Held, string CaseId)> ConflictAsync(int existingSerial, int heldSerial)
    {
        var existing = await ProposeAsync(Households.Valid($"CONFLICT-{existingSerial}", existingSerial));
        var duplicate = Households.Valid($"CONFLICT-{heldSerial}", heldSerial);
        duplicate.Household.Members[1] = existing.Members[1].Clone();
        var outcome = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [duplicate]));
        Assert.Equal(SubmitHouseholdsResponse.OutcomeOneofCase.Accepted, outcome.OutcomeCase);
        Assert.NotEmpty(outcome.Accepted.ConflictCaseId);
        return (existing, await GetAsync(outcome.Accepted.HouseholdId), outcome.Accepted.ConflictCaseId);
    }

    private async Task<Household> ProposeAsync(SubmitHouseholdsRequest request)
    {
        var outcome = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [request]));
        Assert.Empty(outcome.Accepted.ConflictCaseId);
        return await GetAsync(outcome.Accepted.HouseholdId);
    }

    private Task<Household> GetAsync(string id) => HouseholdSteps.GetAsync(Hub, Pki, id);

    private Task<List<HouseholdEvent>> HistoryAsync(string id) => HouseholdSteps.HistoryAsync(Hub, Pki, id);

    private static async Task<Household> ChangeAsync(RegistryService.RegistryServiceClient client, Household household, ChangeHouseholdRequest change) =>
        (await client.ChangeHouseholdAsync(HouseholdRequests.For(household, change))).Household;

    internal static ResolveConflictCaseRequest Resolve(string caseId, ConflictResolution resolution) =>
        new() { ConflictCaseId = caseId, Resolution = resolution, Reason = "checked the family cards", IdempotencyKey = Guid.NewGuid().ToString("N") };
}
