using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;
using Interop.ReferenceData;

namespace Interop.IntegrationTests;

/// <summary>The change feed: every change, in order, resumable from a checkpoint, across hubs sharing a database.</summary>
[Collection(HubCollection.Name)]
public sealed class ChangeFeedTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "feed")
{
    private static readonly RegionTable Regions = RegionTable.Load(RegionTable.DefaultPath);

    [Fact]
    public async Task A_feed_resumed_from_its_checkpoint_on_another_hub_misses_nothing_and_repeats_nothing_while_both_hubs_write()
    {
        await using var other = await HubProcess.StartAsync(Pki, ConnectionString);
        var otherRegistry = new RegistryService.RegistryServiceClient(HubConnection(other.Address));
        var received = new List<StreamChangesResponse>();

        // First session on this Hub, cut off after 300 changes while both hubs are writing.
        var writing = Task.WhenAll(
            SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Bandung), new SyntheticHouseholds(1, Regions, "32.73", "A-").Take(400)),
            SubmittingHouseholdsTests.SubmitAsync(otherRegistry, new SyntheticHouseholds(2, Regions, "32.73", "B-").Take(400)));
        using (var cut = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
        {
            using var first = Hub.Registry(Pki.Auditor).StreamChanges(new StreamChangesRequest(), cancellationToken: cut.Token);
            while (received.Count(r => r.Event is not null) < 300 && await first.ResponseStream.MoveNext(cut.Token))
            {
                received.Add(first.ResponseStream.Current);
            }
        }

        await writing;
        var expected = await StoredHouseholdSequencesAsync();
        // 800 proposals, plus a conflict flag wherever the two generators happened to draw the same NIK.
        Assert.InRange(expected.Count, 800, 900);

        // Second session on the other Hub, from the last checkpoint received.
        using (var done = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
        {
            using var second = otherRegistry.StreamChanges(new StreamChangesRequest { AfterCheckpoint = received[^1].Checkpoint }, cancellationToken: done.Token);
            while (received.Count(r => r.Event is not null) < expected.Count && await second.ResponseStream.MoveNext(done.Token))
            {
                received.Add(second.ResponseStream.Current);
            }
        }

        var sequences = received.Where(r => r.Event is not null).Select(r => r.Event.Sequence).ToList();
        Assert.Equal(expected, sequences);
        Assert.All(received.Where(r => r.Event is not null), r => Assert.Equal(r.Event.Sequence, r.Checkpoint));
        Assert.Equal(received.Select(r => r.Checkpoint).Order().ToList(), received.Select(r => r.Checkpoint).ToList());
    }

    [Fact]
    public async Task A_feed_keeps_streaming_new_changes_and_filters_by_region()
    {
        var bandung = Hub.Registry(Pki.Bandung);
        await SubmittingHouseholdsTests.SubmitAsync(bandung, [Households.Valid("FEED-1", 401)]);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var semarangFeed = Hub.Registry(Pki.Auditor).StreamChanges(new StreamChangesRequest { RegionPrefix = "33.74" }, cancellationToken: cancel.Token);
        using var allFeed = Hub.Registry(Pki.Auditor).StreamChanges(new StreamChangesRequest(), cancellationToken: cancel.Token);

        var first = await NextEventAsync(allFeed.ResponseStream, cancel.Token);
        Assert.Equal(HouseholdEvent.ChangeOneofCase.HouseholdProposed, first.ChangeCase);

        // Live: a household stored after the feed caught up arrives on it, then moves to Semarang.
        var later = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(bandung, [Households.Valid("FEED-2", 402)]));
        var live = await NextEventAsync(allFeed.ResponseStream, cancel.Token);
        Assert.Equal(later.Accepted.HouseholdId, live.HouseholdId);
        var household = (await Hub.Registry(Pki.Steward).GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = later.Accepted.HouseholdId })).Household;
        // A move across areas is the steward's (a regency may not place a household outside its own area).
        await Hub.Registry(Pki.Steward).ChangeHouseholdAsync(new ChangeHouseholdRequest
        {
            HouseholdId = household.HouseholdId,
            ExpectedVersion = household.Version,
            IdempotencyKey = "move-402",
            Reason = "moved to Semarang",
            ChangeAddress = new ChangeAddress { VillageCode = "33.74.01.1001", AddressLine = "Jl. Pemuda 1" },
        });

        var moved = await NextEventAsync(semarangFeed.ResponseStream, cancel.Token);
        Assert.Equal(HouseholdEvent.ChangeOneofCase.AddressChanged, moved.ChangeCase);
        Assert.Equal(household.HouseholdId, moved.HouseholdId);
    }

    [Fact]
    public async Task A_feed_replayed_from_the_start_filters_each_change_by_where_and_what_the_household_was_then()
    {
        var steward = Hub.Registry(Pki.Steward);
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 411);
        household = await HouseholdSteps.ChangeAsync(steward, household, "enrolment decree", new ChangeHouseholdRequest
        {
            EnrollInProgram = new EnrollInProgram { Membership = new ProgramMembership { Program = Interop.Contracts.Registry.V1.Program.Bpnt } },
        });
        household = await HouseholdSteps.ChangeAsync(steward, household, "moved to Semarang", new ChangeHouseholdRequest
        {
            ChangeAddress = new ChangeAddress { VillageCode = "33.74.01.1001", AddressLine = "Jl. Pemuda 1" },
        });
        household = await HouseholdSteps.ChangeAsync(steward, household, "graduated", new ChangeHouseholdRequest { ExitProgram = new ExitProgram { Program = Interop.Contracts.Registry.V1.Program.Bpnt } });
        household = await HouseholdSteps.ChangeAsync(steward, household, "no longer eligible", new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() });
        var last = (await HouseholdSteps.HistoryAsync(Hub, Pki, household.HouseholdId))[^1].Sequence;

        // Versions: 1 proposed, 2 verified, 3 ratified (in Bandung), 4 enrolled, 5 moved, 6 exited, 7 deactivated (in Semarang).
        Assert.Equal([1L, 2, 3, 4, 5], await VersionsAsync(new StreamChangesRequest { RegionPrefix = "32.73" }, household.HouseholdId, last));
        Assert.Equal([5L, 6, 7], await VersionsAsync(new StreamChangesRequest { RegionPrefix = "33.74" }, household.HouseholdId, last));
        Assert.Equal([4L, 5, 6], await VersionsAsync(new StreamChangesRequest { Program = Interop.Contracts.Registry.V1.Program.Bpnt }, household.HouseholdId, last));
    }

    [Fact]
    public async Task A_bank_cannot_follow_the_feed_and_a_negative_checkpoint_is_refused()
    {
        var bank = await Assert.ThrowsAsync<RpcException>(() => Hub.Registry(Pki.Bank).StreamChanges(new StreamChangesRequest()).ResponseStream.MoveNext(CancellationToken.None));
        var negative = await Assert.ThrowsAsync<RpcException>(() => Hub.Registry(Pki.Auditor).StreamChanges(new StreamChangesRequest { AfterCheckpoint = -1 }).ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, bank.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, negative.StatusCode);
    }

    /// <summary>The versions of one household's changes a feed delivers, read from the start until it has passed <paramref name="last"/>.</summary>
    private async Task<List<long>> VersionsAsync(StreamChangesRequest request, string householdId, long last)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var feed = Hub.Registry(Pki.Auditor).StreamChanges(request, cancellationToken: cancel.Token);
        var versions = new List<long>();
        while (await feed.ResponseStream.MoveNext(cancel.Token))
        {
            if (feed.ResponseStream.Current.Event is { } change && change.HouseholdId == householdId)
            {
                versions.Add(change.Version);
            }

            if (feed.ResponseStream.Current.Checkpoint >= last)
            {
                break;
            }
        }

        return versions;
    }

    private Grpc.Net.Client.GrpcChannel HubConnection(Uri address) => Interop.Cli.HubConnection.Open(address, Pki.Bandung, Pki.Ca, purpose: StoryPurposes.Of(Pki.Bandung));

    private static async Task<HouseholdEvent> NextEventAsync(IAsyncStreamReader<StreamChangesResponse> feed, CancellationToken cancellationToken)
    {
        while (await feed.MoveNext(cancellationToken))
        {
            if (feed.Current.Event is { } change)
            {
                return change;
            }
        }

        throw new InvalidOperationException("The feed ended.");
    }

    private async Task<List<long>> StoredHouseholdSequencesAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select seq_id from interop.mt_events where type not in ('tombstone', 'conflict_case_opened', 'conflict_case_resolved') and type not like 'partner%' order by seq_id", connection);
        var sequences = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            sequences.Add(reader.GetInt64(0));
        }

        return sequences;
    }
}
