using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;
using V2 = Interop.Contracts.Registry.V2;

namespace Interop.IntegrationTests;

/// <summary>
/// Every way a request can be wrong answers with the status that says so and a message a partner's
/// engineer can act on, never INTERNAL or UNKNOWN: request data that could reach storage, parsing or
/// date arithmetic before validation (keys, ids of the wrong kind, text that means nothing, dates and
/// timestamps at the ends of their range). Each probe also proves nothing was stored.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class HostileRequestTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "hostile")
{

    private RegistryService.RegistryServiceClient Bandung => Hub.Registry(Pki.Bandung);

    private RegistryService.RegistryServiceClient Ministry => Hub.Registry(Pki.Steward);

    public static TheoryData<string, string> MeaninglessText => new()
    {
        { "a NUL byte", "Siti\0Rahmawati" },
        { "a line break", "Siti\nRahmawati" },
        { "a right-to-left override", "Siti \u202ERahmawati" },
        { "a right-to-left isolate", "Siti \u2067Rahmawati\u2069" },
        { "a zero-width space", "Siti\u200BRahmawati" },
        { "a byte-order mark", "\uFEFFSiti Rahmawati" },
        { "only zero-width joiners", "\u200D\u200D\u200D" },
        { "only combining marks", "\u0301\u0301" },
        { "a Hangul filler", "\u3164" },
        { "a line separator", "Siti\u2028Rahmawati" },
        { "a replacement character", "Siti \uFFFD" },
        { "a private-use character", "Siti \uE000" },
        { "an invisible tag", "Siti \U000E0041" },
    };

    [Theory]
    [MemberData(nameof(MeaninglessText))]
    public async Task Text_that_means_nothing_is_refused_in_every_free_text_field_before_anything_is_stored(string what, string text)
    {
        var events = await StoreProbe.HouseholdEventCountAsync(ConnectionString);
        foreach (var (field, request) in new (string, SubmitHouseholdsRequest)[]
        {
            ("household.members[0].full_name", With(request => request.Household.Members[0].FullName = text)),
            ("household.address_line", With(request => request.Household.AddressLine = text)),
            ("reason", With(request => request.Reason = text)),
            ("evidence_reference", With(request => request.EvidenceReference = text)),
            ("partner_reference", With(request => request.PartnerReference = text)),
        })
        {
            var outcome = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [request]));
            Assert.True(outcome.OutcomeCase == SubmitHouseholdsResponse.OutcomeOneofCase.Refused, $"{what} in {field} was accepted");
            Assert.Contains(field, outcome.Refused.Details.Single().Unpack<BadRequest>().FieldViolations.Select(violation => violation.Field));
        }

        var household = await HouseholdSteps.ProposeAsync(Hub, Pki, 1100 + Math.Abs(what.GetHashCode() % 50));
        events = await StoreProbe.HouseholdEventCountAsync(ConnectionString);
        var withKey = HouseholdRequests.For(household, "moved", new ChangeHouseholdRequest { ChangeAddress = new ChangeAddress { VillageCode = "32.73.01.1003", AddressLine = "Jl. Braga 2" } });
        withKey.IdempotencyKey = text;
        await AssertInvalidAsync(() => Bandung.ChangeHouseholdAsync(withKey).ResponseAsync, "idempotency_key");
        var withReason = HouseholdRequests.For(household, text, new ChangeHouseholdRequest { ChangeAddress = new ChangeAddress { VillageCode = "32.73.01.1003", AddressLine = "Jl. Braga 2" } });
        await AssertInvalidAsync(() => Bandung.ChangeHouseholdAsync(withReason).ResponseAsync, "reason");
        var withAddress = HouseholdRequests.For(household, "moved", new ChangeHouseholdRequest { ChangeAddress = new ChangeAddress { VillageCode = "32.73.01.1003", AddressLine = text } });
        await AssertInvalidAsync(() => Bandung.ChangeHouseholdAsync(withAddress).ResponseAsync, "change_address.address_line");
        var resolution = ConflictCaseTests.Resolve(Guid.NewGuid().ToString(), ConflictResolution.RejectProposal);
        resolution.IdempotencyKey = text;
        await AssertInvalidAsync(() => Ministry.ResolveConflictCaseAsync(resolution).ResponseAsync, "idempotency_key");
        Assert.Equal(events + 0, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
    }

    [Fact]
    public async Task Names_are_stored_in_nfc_so_the_same_name_typed_on_two_systems_compares_equal()
    {
        var decomposed = With(request => request.Household.Members[0].FullName = "Nurhayati Ne\u0301ne\u0301");

        var outcome = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [decomposed]));

        var stored = await HouseholdSteps.GetAsync(Hub, Pki, outcome.Accepted.HouseholdId);
        Assert.Equal("Nurhayati N\u00E9n\u00E9", stored.Members[0].FullName);
        Assert.Equal(1, await StoreProbe.CountAsync(ConnectionString, $"select count(*) from interop.mt_events where stream_id = '{stored.HouseholdId}' and data::text like '%N\u00E9n\u00E9%'"));
    }

    [Fact]
    public async Task An_id_of_another_kind_is_not_found_wherever_a_household_or_case_is_expected()
    {
        var existing = await HouseholdSteps.ActiveAsync(Hub, Pki, 1201);
        var duplicate = Households.Valid("HOSTILE-1202", 1202);
        duplicate.Household.Members[1] = existing.Members[1].Clone();
        var caseId = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [duplicate])).Accepted.ConflictCaseId;
        var events = await StoreProbe.HouseholdEventCountAsync(ConnectionString);

        var asHousehold = HouseholdRequests.For(existing, "moved", new ChangeHouseholdRequest { ChangeAddress = new ChangeAddress { VillageCode = "32.73.01.1003", AddressLine = "Jl. Braga 2" } });
        asHousehold.HouseholdId = caseId;
        asHousehold.ExpectedVersion = 1;
        await AssertStatusAsync(StatusCode.NotFound, () => Ministry.ChangeHouseholdAsync(asHousehold).ResponseAsync);
        var mergeCase = FamilyCardTests.Merge(existing, Relationship.Parent, Relationship.Grandchild);
        mergeCase.MergeHousehold.OtherHouseholdId = caseId;
        await AssertStatusAsync(StatusCode.NotFound, () => Ministry.ChangeHouseholdAsync(HouseholdRequests.For(existing, "merge", mergeCase)).ResponseAsync);
        await AssertStatusAsync(StatusCode.NotFound, () => Ministry.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = caseId }).ResponseAsync);
        await AssertStatusAsync(StatusCode.NotFound, async () =>
        {
            using var history = Ministry.StreamHouseholdHistory(new StreamHouseholdHistoryRequest { HouseholdId = caseId });
            return await history.ResponseStream.ReadAllAsync().ToListAsync();
        });
        await AssertStatusAsync(StatusCode.NotFound, () => Ministry.GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = existing.HouseholdId }).ResponseAsync);
        await AssertStatusAsync(StatusCode.NotFound, () => Ministry.ResolveConflictCaseAsync(ConflictCaseTests.Resolve(existing.HouseholdId, ConflictResolution.RejectProposal)).ResponseAsync);
        Assert.Equal(events, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
    }

    [Fact]
    public async Task Dates_and_timestamps_at_the_ends_of_their_range_are_refused_with_the_field_named()
    {
        var active = await HouseholdSteps.ActiveAsync(Hub, Pki, 1301);
        var events = await StoreProbe.HouseholdEventCountAsync(ConnectionString);
        foreach (var date in new[] { new Google.Type.Date(), new Google.Type.Date { Year = 10000, Month = 1, Day = 1 }, new Google.Type.Date { Year = -1, Month = 13, Day = 40 }, new Google.Type.Date { Year = int.MaxValue, Month = int.MaxValue, Day = int.MaxValue } })
        {
            var death = new ChangeHouseholdRequest { RecordDeath = new RecordDeath { Nik = active.Members[1].Nik, DeathDate = date } };
            await AssertInvalidAsync(() => Ministry.ChangeHouseholdAsync(HouseholdRequests.For(active, "death certificate", death)).ResponseAsync, "record_death.death_date");
            var born = With(request => request.Household.Members[0].BirthDate = date);
            var outcome = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [born]));
            Assert.Contains("household.members[0].birth_date", outcome.Refused.Details.Single().Unpack<BadRequest>().FieldViolations.Select(violation => violation.Field));
        }

        var v2 = new V2.RegistryService.RegistryServiceClient(Hub.Channel(Pki.Auditor));
        foreach (var moment in new[] { new Timestamp { Seconds = long.MaxValue }, new Timestamp { Seconds = long.MinValue }, new Timestamp { Seconds = 0, Nanos = -1 }, new Timestamp { Seconds = 253402300800 } })
        {
            await AssertInvalidAsync(() => v2.GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = active.HouseholdId, AsOfTime = moment }).ResponseAsync, "as_of_time");
        }

        var beforeEverything = await Assert.ThrowsAsync<RpcException>(() => v2.GetHouseholdAsync(new V2.GetHouseholdRequest
        {
            HouseholdId = active.HouseholdId,
            AsOfTime = new Timestamp { Seconds = -62135596800 },
        }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, beforeEverything.StatusCode);
        await AssertStatusAsync(StatusCode.OutOfRange, () => v2.GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = active.HouseholdId, AsOfVersion = long.MaxValue }).ResponseAsync);
        Assert.Equal(events, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
    }

    [Fact]
    public async Task Search_and_feed_filters_that_mean_nothing_are_refused_with_the_field_named()
    {
        await AssertInvalidAsync(() => Ministry.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = "3273\0" }).ResponseAsync, "nik");
        await AssertInvalidAsync(() => Ministry.SearchHouseholdsAsync(new SearchHouseholdsRequest { FamilyCardNumber = "3273010101200001\0" }).ResponseAsync, "family_card_number");
        await AssertInvalidAsync(() => Ministry.SearchHouseholdsAsync(new SearchHouseholdsRequest { RegionPrefix = "32\0" }).ResponseAsync, "region_prefix");
        await AssertInvalidAsync(() => Ministry.SearchHouseholdsAsync(new SearchHouseholdsRequest { RegionPrefix = "32", PageToken = "\0garbage" }).ResponseAsync, "page_token");
        await AssertInvalidAsync(() => Ministry.SearchHouseholdsAsync(new SearchHouseholdsRequest { RegionPrefix = "32", PageSize = -1 }).ResponseAsync, "page_size");
        await AssertInvalidAsync(async () =>
        {
            using var feed = Ministry.StreamChanges(new StreamChangesRequest { RegionPrefix = "32\0" });
            return await feed.ResponseStream.ReadAllAsync().ToListAsync();
        }, "region_prefix");
        await AssertStatusAsync(StatusCode.OutOfRange, async () =>
        {
            using var feed = Ministry.StreamChanges(new StreamChangesRequest { AfterCheckpoint = long.MaxValue });
            return await feed.ResponseStream.ReadAllAsync().ToListAsync();
        });
    }

    private static SubmitHouseholdsRequest With(Action<SubmitHouseholdsRequest> edit)
    {
        var request = Households.Valid($"HOSTILE-{Guid.NewGuid():N}"[..20], Random.Shared.Next(2000, 9000));
        edit(request);
        return request;
    }

    private static async Task AssertInvalidAsync<T>(Func<Task<T>> call, string field)
    {
        var refusal = await AssertStatusAsync(StatusCode.InvalidArgument, call);
        Assert.Contains(field, refusal.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(violation => violation.Field));
    }

    private static async Task<RpcException> AssertStatusAsync<T>(StatusCode expected, Func<Task<T>> call)
    {
        var refusal = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(expected == refusal.StatusCode, $"expected {expected}, got {refusal.StatusCode}: {refusal.Status.Detail}");
        return refusal;
    }
}
