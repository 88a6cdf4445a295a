using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>The same people under other NIKs: flagged with a score and reasons, and resolved by the steward.</summary>
[Collection(HubCollection.Name)]
public sealed class LikelyDuplicateTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "duplicates")
{

    private RegistryService.RegistryServiceClient Bandung => Hub.Registry(Pki.Bandung);

    private RegistryService.RegistryServiceClient Ministry => Hub.Registry(Pki.Steward);

    [Fact]
    public async Task A_head_with_the_same_birth_date_and_a_name_spelled_differently_in_the_same_village_is_flagged_with_score_and_reasons()
    {
        var existing = await HouseholdSteps.ActiveAsync(Hub, Pki, 801);

        var (flagged, caseId) = await SubmitAsync(Lookalike(existing, 802, "Siti Rachmawati"));
        var conflict = await CaseAsync(caseId);

        Assert.Equal(ConflictKind.LikelyDuplicate, conflict.Kind);
        Assert.Equal([existing.HouseholdId], conflict.ExistingHouseholdIds);
        Assert.Equal([flagged.Members[0].Nik], conflict.Niks);
        Assert.InRange(conflict.Score, 0.9, 0.999);
        var reason = Assert.Single(conflict.Reasons);
        Assert.StartsWith("members[0] and a member of household " + existing.HouseholdId, reason, StringComparison.Ordinal);
        Assert.DoesNotContain("Rachmawati", reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(caseId, flagged.OpenConflictCaseId);
        var history = await HouseholdSteps.HistoryAsync(Hub, Pki, flagged.HouseholdId);
        Assert.Equal([HouseholdEvent.ChangeOneofCase.HouseholdProposed, HouseholdEvent.ChangeOneofCase.FlaggedAsLikelyDuplicate], history.Select(e => e.ChangeCase));
        Assert.Equal(conflict.Score, history[1].FlaggedAsLikelyDuplicate.Score);

        // Held until the steward decides: it cannot be ratified meanwhile.
        var verified = await HouseholdSteps.ChangeAsync(Hub.Registry(Pki.CivilRegistry), flagged, "population database", HouseholdRequests.VerifyAll(flagged));
        var ratify = await Assert.ThrowsAsync<RpcException>(() => Ministry.ChangeHouseholdAsync(HouseholdRequests.For(verified, new ChangeHouseholdRequest { RatifyHousehold = new RatifyHousehold() })).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, ratify.StatusCode);
    }

    [Fact]
    public async Task The_steward_marks_a_likely_duplicate_distinct_and_the_household_goes_ahead()
    {
        var existing = await HouseholdSteps.ActiveAsync(Hub, Pki, 811);
        var (flagged, caseId) = await SubmitAsync(Lookalike(existing, 812, "Siti Rahmawati"));

        var resolved = (await Ministry.ResolveConflictCaseAsync(ConflictCaseTests.Resolve(caseId, ConflictResolution.MarkDistinct))).ConflictCase;

        Assert.Equal((ConflictCaseStatus.Resolved, ConflictResolution.MarkDistinct, 1.0), (resolved.Status, resolved.Resolution, resolved.Score));
        var cleared = await HouseholdSteps.GetAsync(Hub, Pki, flagged.HouseholdId);
        Assert.Empty(cleared.OpenConflictCaseId);
        Assert.Equal(HouseholdEvent.ChangeOneofCase.ConflictCleared, (await HouseholdSteps.HistoryAsync(Hub, Pki, flagged.HouseholdId))[^1].ChangeCase);
        var verified = await HouseholdSteps.ChangeAsync(Hub.Registry(Pki.CivilRegistry), cleared, "population database", HouseholdRequests.VerifyAll(cleared));
        var active = await HouseholdSteps.ChangeAsync(Ministry, verified, "distinct families, checked on site", new ChangeHouseholdRequest { RatifyHousehold = new RatifyHousehold() });
        Assert.Equal(HouseholdStatus.Active, active.Status);
    }

    [Fact]
    public async Task The_steward_merges_a_likely_duplicate_and_the_survivor_keeps_its_history()
    {
        var existing = await HouseholdSteps.ActiveAsync(Hub, Pki, 821);
        var (flagged, caseId) = await SubmitAsync(Lookalike(existing, 822, "SITI RAHMAWATI"));

        await Ministry.ResolveConflictCaseAsync(ConflictCaseTests.Resolve(caseId, ConflictResolution.MergeIntoExisting));

        var merged = await HouseholdSteps.GetAsync(Hub, Pki, flagged.HouseholdId);
        var survivor = await HouseholdSteps.GetAsync(Hub, Pki, existing.HouseholdId);
        Assert.Equal((HouseholdStatus.Merged, existing.HouseholdId), (merged.Status, merged.MergedIntoHouseholdId));
        Assert.Equal([flagged.HouseholdId], survivor.MergedHouseholdIds);
        // The merged-away NIKs are free again: the same child proposed in another household is not a NIK conflict.
        var again = Households.Valid("DUP-823", 823);
        again.Household.Members[1] = flagged.Members[1].Clone();
        var outcome = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [again]));
        Assert.Empty(outcome.Accepted.ConflictCaseId);
    }

    [Fact]
    public async Task Other_villages_birth_dates_sexes_or_names_are_not_duplicates_and_a_stream_is_screened_against_itself()
    {
        var existing = await HouseholdSteps.ActiveAsync(Hub, Pki, 831);
        var otherVillage = Lookalike(existing, 832, "Siti Rahmawati");
        otherVillage.Household.VillageCode = "32.73.01.1003";
        var otherName = Lookalike(existing, 833, "Dewi Lestari");
        var firstOfStream = Households.Valid("DUP-834", 834);
        var secondOfStream = Households.Valid("DUP-835", 835);
        secondOfStream.Household.Members[1] = Person(firstOfStream.Household.Members[1], "Rizki Pratama", 835);

        var outcomes = await SubmittingHouseholdsTests.SubmitAsync(Bandung, [otherVillage, otherName, firstOfStream, secondOfStream]);

        Assert.Equal([true, true, true, false], outcomes.Select(o => o.Accepted.ConflictCaseId.Length == 0));
        var conflict = await CaseAsync(outcomes[3].Accepted.ConflictCaseId);
        Assert.Equal([outcomes[2].Accepted.HouseholdId], conflict.ExistingHouseholdIds);
        Assert.StartsWith("members[1] ", Assert.Single(conflict.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolutions_that_do_not_fit_the_kind_of_case_are_refused()
    {
        var existing = await HouseholdSteps.ActiveAsync(Hub, Pki, 841);
        var (_, likelyCase) = await LikelyCaseAsync(existing);
        var nikInUse = Households.Valid("DUP-843", 843);
        nikInUse.Household.Members[1] = existing.Members[1].Clone();
        var nikCase = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [nikInUse])).Accepted.ConflictCaseId;

        var move = await Assert.ThrowsAsync<RpcException>(() => Ministry.ResolveConflictCaseAsync(ConflictCaseTests.Resolve(likelyCase, ConflictResolution.MoveMembers)).ResponseAsync);
        var distinct = await Assert.ThrowsAsync<RpcException>(() => Ministry.ResolveConflictCaseAsync(ConflictCaseTests.Resolve(nikCase, ConflictResolution.MarkDistinct)).ResponseAsync);

        Assert.Equal((StatusCode.FailedPrecondition, StatusCode.FailedPrecondition), (move.StatusCode, distinct.StatusCode));
        Assert.Contains("share no NIK", move.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("One NIK cannot be two people", distinct.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(ConflictKind.NikInUse, (await CaseAsync(nikCase)).Kind);
        Assert.Equal(ConflictCaseStatus.Open, (await CaseAsync(likelyCase)).Status);
    }

    private Task<(Household Flagged, string CaseId)> LikelyCaseAsync(Household existing) => SubmitAsync(Lookalike(existing, 842, "Siti Rahmawati"));

    /// <summary>A household of another serial whose head is the existing head under another NIK and the given spelling.</summary>
    internal static SubmitHouseholdsRequest Lookalike(Household existing, int serial, string headName)
    {
        var request = Households.Valid($"DUP-{serial}", serial);
        request.Household.Members[0] = Person(existing.Members[0], headName, serial);
        return request;
    }

    /// <summary>The same person (birth date, sex, relationship) under another NIK and the given name.</summary>
    private static Member Person(Member original, string name, int serial)
    {
        var person = original.Clone();
        person.FullName = name;
        var birth = new DateOnly(original.BirthDate.Year, original.BirthDate.Month, original.BirthDate.Day);
        person.Nik = Households.Nik(birth, original.Sex == Sex.Female, serial + 5000);
        return person;
    }

    private async Task<(Household Flagged, string CaseId)> SubmitAsync(SubmitHouseholdsRequest request)
    {
        var outcome = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [request]));
        Assert.NotEmpty(outcome.Accepted.ConflictCaseId);
        return (await HouseholdSteps.GetAsync(Hub, Pki, outcome.Accepted.HouseholdId), outcome.Accepted.ConflictCaseId);
    }

    private async Task<ConflictCase> CaseAsync(string caseId) =>
        (await Ministry.GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = caseId })).ConflictCase;
}
