using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;
using Interop.ReferenceData;
using V2 = Interop.Contracts.Registry.V2;

namespace Interop.IntegrationTests;

/// <summary>
/// A local government acts and sees within its own area only, on every call: Kota Bandung (32.73)
/// against households of Kota Semarang (33.74). Every refusal is PERMISSION_DENIED naming the rule.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class JurisdictionTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "jurisdiction")
{
    private static readonly RegionTable Regions = RegionTable.Load(RegionTable.DefaultPath);

    private RegistryService.RegistryServiceClient Bandung => Hub.Registry(Pki.Bandung);

    private RegistryService.RegistryServiceClient Steward => Hub.Registry(Pki.Steward);

    [Fact]
    public async Task A_regency_streams_proposals_and_one_for_another_regency_is_refused_while_the_rest_are_kept()
    {
        var semarang = new SyntheticHouseholds(71, Regions, "33.74", "J-SMG-").Take(1).Single();
        var outcomes = await SubmittingHouseholdsTests.SubmitAsync(Bandung, [Households.Valid("J-BDG-1", 701), semarang, Households.Valid("J-BDG-2", 702)]);

        Assert.Equal(SubmitHouseholdsResponse.OutcomeOneofCase.Accepted, outcomes[0].OutcomeCase);
        Assert.Equal(SubmitHouseholdsResponse.OutcomeOneofCase.Refused, outcomes[1].OutcomeCase);
        Assert.Equal((int)StatusCode.PermissionDenied, outcomes[1].Refused.Code);
        Assert.Contains("outside the area 32.73", outcomes[1].Refused.Message, StringComparison.Ordinal);
        Assert.Equal("OUTSIDE_JURISDICTION", outcomes[1].Refused.Details.Single().Unpack<ErrorInfo>().Reason);
        Assert.Equal(SubmitHouseholdsResponse.OutcomeOneofCase.Accepted, outcomes[2].OutcomeCase);
        Assert.Equal(0, await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.mt_events where data ->> 'PartnerReference' like 'J-SMG-%'"));
    }

    [Fact]
    public async Task A_regency_cannot_read_change_or_find_another_regencys_household_in_v1_or_v2()
    {
        var semarang = await SemarangHouseholdAsync(72);
        var events = await StoreProbe.HouseholdEventCountAsync(ConnectionString);

        await AssertOutsideAsync(() => Bandung.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = semarang.HouseholdId }).ResponseAsync);
        await AssertOutsideAsync(() => V2Client().GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = semarang.HouseholdId }).ResponseAsync);
        await AssertOutsideAsync(() => V2Client().GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = semarang.HouseholdId, AsOfVersion = 1 }).ResponseAsync);
        await AssertOutsideAsync(() => Bandung.StreamHouseholdHistory(new StreamHouseholdHistoryRequest { HouseholdId = semarang.HouseholdId }).ResponseStream.ReadAllAsync().ToListAsync().AsTask());
        // Refused before anything about it is said: a stale version is not even compared.
        await AssertOutsideAsync(() => Bandung.ChangeHouseholdAsync(HouseholdRequests.For(semarang, "moved", new ChangeHouseholdRequest
        {
            ChangeAddress = new ChangeAddress { VillageCode = "32.73.01.1003", AddressLine = "Jl. Braga 3" },
        }, expectedVersion: 99)).ResponseAsync);
        await AssertOutsideAsync(() => Bandung.SearchHouseholdsAsync(new SearchHouseholdsRequest { RegionPrefix = "33.74" }).ResponseAsync);
        await AssertOutsideAsync(() => V2Client().SearchHouseholdsAsync(new V2.SearchHouseholdsRequest { RegionPrefix = "33" }).ResponseAsync);

        var byNik = await Bandung.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = semarang.Members[0].Nik });
        var byCard = await Bandung.SearchHouseholdsAsync(new SearchHouseholdsRequest { FamilyCardNumber = semarang.FamilyCardNumber });
        Assert.Empty(byNik.Households);
        Assert.Empty(byCard.Households);
        Assert.Equal(events, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
    }

    [Fact]
    public async Task Asking_another_regencys_household_beyond_its_versions_or_before_it_existed_tells_nothing_about_it()
    {
        var semarang = await SemarangHouseholdAsync(77);

        await AssertOutsideAsync(() => V2Client().GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = semarang.HouseholdId, AsOfVersion = 99 }).ResponseAsync);
        await AssertOutsideAsync(() => V2Client().GetHouseholdAsync(new V2.GetHouseholdRequest
        {
            HouseholdId = semarang.HouseholdId,
            AsOfTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch),
        }).ResponseAsync);
        var own = await HouseholdSteps.ProposeAsync(Hub, Pki, 710);
        var beyondOwn = await Assert.ThrowsAsync<RpcException>(() => V2Client().GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = own.HouseholdId, AsOfVersion = 99 }).ResponseAsync);
        Assert.Equal(StatusCode.OutOfRange, beyondOwn.StatusCode);
    }

    [Fact]
    public async Task A_change_replayed_under_its_key_after_the_partner_moved_to_another_area_is_refused()
    {
        var semarang = await SemarangHouseholdAsync(78);
        // For a while the directory has Bandung's Dinas Sosial serve Semarang instead (from its next call on).
        await Hub.ChangeAreasAsync(Pki.Steward, "dinsos-kota-bandung", "33.74");
        var change = HouseholdRequests.For(semarang, "moved within Semarang", new ChangeHouseholdRequest
        {
            ChangeAddress = new ChangeAddress { VillageCode = "33.74.01.1002", AddressLine = "Jl. Pandanaran 2" },
        });
        await Bandung.ChangeHouseholdAsync(change);

        await Hub.ChangeAreasAsync(Pki.Steward, "dinsos-kota-bandung", "32.73");
        await AssertOutsideAsync(() => Bandung.ChangeHouseholdAsync(change).ResponseAsync);
        await Hub.ChangeAreasAsync(Pki.Steward, "dinsos-kota-bandung", "33.74");
        Assert.Equal(semarang.Version + 1, (await Bandung.ChangeHouseholdAsync(change)).Household.Version);
    }

    [Fact]
    public async Task A_province_wide_search_by_a_regency_finds_its_own_households_only()
    {
        var own = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [Households.Valid("J-BDG-3", 703)]));
        await SemarangHouseholdAsync(73);

        var everywhere = await Bandung.SearchHouseholdsAsync(new SearchHouseholdsRequest { PageSize = 100 });
        var province = await Bandung.SearchHouseholdsAsync(new SearchHouseholdsRequest { RegionPrefix = "32", PageSize = 100 });

        Assert.Contains(everywhere.Households, household => household.HouseholdId == own.Accepted.HouseholdId);
        Assert.All(everywhere.Households, household => Assert.StartsWith("32.73.", household.VillageCode, StringComparison.Ordinal));
        Assert.Equal(everywhere.Households.Select(h => h.HouseholdId), province.Households.Select(h => h.HouseholdId));
    }

    [Fact]
    public async Task A_regency_cannot_move_its_household_into_another_regency_nor_hold_a_conflict_case_of_another()
    {
        var proposed = await HouseholdSteps.ProposeAsync(Hub, Pki, 704);

        var refusal = await HouseholdSteps.AssertRefusedAsync(Hub, Pki, Bandung, proposed, new ChangeHouseholdRequest
        {
            ChangeAddress = new ChangeAddress { VillageCode = "33.74.01.1001", AddressLine = "Jl. Pemuda 1" },
        }, StatusCode.PermissionDenied, "village 33.74.01.1001, outside the area 32.73");
        Assert.Equal("OUTSIDE_JURISDICTION", refusal.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);

        // The steward proposes a Semarang household with a Bandung member's NIK: its case is Semarang's.
        var duplicate = new SyntheticHouseholds(74, Regions, "33.74", "J-DUP-").Take(1).Single();
        duplicate.Household.Members[^1] = proposed.Members[1].Clone();
        var held = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Steward, [duplicate]));
        Assert.NotEmpty(held.Accepted.ConflictCaseId);
        await AssertOutsideAsync(() => Bandung.GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = held.Accepted.ConflictCaseId }).ResponseAsync);
        Assert.Equal(ConflictCaseStatus.Open, (await Steward.GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = held.Accepted.ConflictCaseId })).ConflictCase.Status);
    }

    [Fact]
    public async Task A_household_that_moves_out_leaves_the_regencys_reach_and_its_past_stays_readable_up_to_the_move()
    {
        var active = await HouseholdSteps.ActiveAsync(Hub, Pki, 705);
        var moved = await HouseholdSteps.ChangeAsync(Steward, active, "family moved to Semarang", new ChangeHouseholdRequest
        {
            ChangeAddress = new ChangeAddress { VillageCode = "33.74.01.1001", AddressLine = "Jl. Pemuda 7" },
        });
        var later = await HouseholdSteps.ChangeAsync(Steward, moved, "BPNT enrolment decree", new ChangeHouseholdRequest
        {
            EnrollInProgram = new EnrollInProgram { Membership = new ProgramMembership { Program = Interop.Contracts.Registry.V1.Program.Bpnt } },
        });

        var started = DateTimeOffset.UtcNow;
        await AssertOutsideAsync(() => Bandung.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = active.HouseholdId }).ResponseAsync);
        await AssertOutsideAsync(() => V2Client().GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = active.HouseholdId, AsOfVersion = moved.Version }).ResponseAsync);
        Assert.Equal([active.HouseholdId], (await AccessLogProbe.RefusalAsync(Hub, Pki, started, "dinsos-kota-bandung", "GetHousehold", "PERMISSION_DENIED")).HouseholdIds);
        var before = await V2Client().GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = active.HouseholdId, AsOfVersion = active.Version });
        Assert.Equal("32.73.01.1002", before.Household.Location.VillageCode);

        var seen = await Bandung.StreamHouseholdHistory(new StreamHouseholdHistoryRequest { HouseholdId = active.HouseholdId }).ResponseStream.ReadAllAsync().Select(r => r.Event).ToListAsync();
        Assert.Equal(moved.Version, seen.Count);
        Assert.Equal(HouseholdEvent.ChangeOneofCase.AddressChanged, seen[^1].ChangeCase);
        Assert.DoesNotContain(seen, e => e.Version == later.Version);
        await AssertOutsideAsync(() => Bandung.ChangeHouseholdAsync(HouseholdRequests.For(later, "moved back?", new ChangeHouseholdRequest
        {
            ChangeAddress = new ChangeAddress { VillageCode = "32.73.01.1003", AddressLine = "Jl. Braga 3" },
        })).ResponseAsync);
    }

    [Fact]
    public async Task A_regencys_change_feed_carries_its_own_households_only_and_another_regions_feed_is_refused()
    {
        var own = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [Households.Valid("J-BDG-6", 706)]));
        var other = await SemarangHouseholdAsync(76);
        var last = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [Households.Valid("J-BDG-7", 707)]));

        await AssertOutsideAsync(async () =>
        {
            using var refused = Bandung.StreamChanges(new StreamChangesRequest { RegionPrefix = "33.74" });
            await refused.ResponseStream.MoveNext();
        });
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var feed = Bandung.StreamChanges(new StreamChangesRequest(), cancellationToken: cancel.Token);
        var households = new List<string>();
        while (!households.Contains(last.Accepted.HouseholdId) && await feed.ResponseStream.MoveNext(cancel.Token))
        {
            if (feed.ResponseStream.Current.Event is { } change)
            {
                households.Add(change.HouseholdId);
            }
        }

        Assert.Contains(own.Accepted.HouseholdId, households);
        Assert.DoesNotContain(other.HouseholdId, households);
    }

    [Fact]
    public async Task A_local_government_cannot_be_registered_without_an_area_and_its_certificate_reaches_nothing()
    {
        var own = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [Households.Valid("J-BDG-8", 708)]));
        var certificate = Pki.Partner("dinsos-tanpa-wilayah", "local-government");

        var registration = await Assert.ThrowsAsync<RpcException>(() => Hub.RegisterAsync(Pki.Steward, certificate));
        Assert.Equal(StatusCode.InvalidArgument, registration.StatusCode);
        Assert.Equal("areas", Assert.Single(registration.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations).Field);
        var nowhere = Hub.Registry(certificate);
        var read = await Assert.ThrowsAsync<RpcException>(() => nowhere.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = own.Accepted.HouseholdId }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, read.StatusCode);
        Assert.Contains("not registered", read.Status.Detail, StringComparison.Ordinal);
    }

    private V2.RegistryService.RegistryServiceClient V2Client() => new(Hub.Channel(Pki.Bandung));

    private async Task<Household> SemarangHouseholdAsync(int seed)
    {
        var outcome = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Steward, [new SyntheticHouseholds(seed, Regions, "33.74", $"J-SMG-{seed}-").Take(1).Single()]));
        return (await Steward.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = outcome.Accepted.HouseholdId })).Household;
    }

    private static async Task AssertOutsideAsync(Func<Task> call)
    {
        var refusal = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
        Assert.Contains("this partner serves", refusal.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("OUTSIDE_JURISDICTION", refusal.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }
}
