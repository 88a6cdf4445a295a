using Interop.Contracts.Registry.V1;
using Interop.Hub.Storage;
using Interop.IntegrationTests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using DomainHousehold = Interop.Hub.Registry.Household;
using DomainSplit = Interop.Hub.Registry.HouseholdSplit;

namespace Interop.IntegrationTests;

/// <summary>Events stored in an earlier shape are upcast as they are read, so old streams replay into today's shapes.</summary>
[Collection(HubCollection.Name)]
public sealed class StoredEventShapeTests(PostgresCluster postgres, TestPki pki)
{
    [Fact]
    public async Task A_split_stored_in_its_first_shape_reads_and_replays_as_the_current_shape()
    {
        var connectionString = await postgres.CreateDatabaseAsync("shapes");
        await using var hub = await RunningHub.StartAsync(pki, connectionString);
        var household = await HouseholdSteps.ActiveAsync(hub, pki, 951);
        var leaving = household.Members[1].Nik;
        var split = await hub.Registry(pki.CivilRegistry).ChangeHouseholdAsync(
            HouseholdRequests.For(household, "new family card issued (pecah KK)", FamilyCardTests.SplitOff(leaving, "3273010101209951")));

        // Written straight into the store as the first version wrote it: its own name and field names.
        var rewritten = await StoreProbe.CountAsync(connectionString,
            "with old as (update interop.mt_events set type = 'household_split', "
            + "data = (data - 'LeavingNiks') || jsonb_build_object('Niks', data -> 'LeavingNiks'), "
            + "mt_dotnet_type = 'Interop.Hub.Registry.HouseholdSplit, Interop.Hub' "
            + $"where stream_id = '{household.HouseholdId}' and type = 'household_split_v2' returning 1) select count(*) from old");
        Assert.Equal(1, rewritten);

        // Read through the hub: the history shows the split with the NIK that left.
        var history = await HouseholdSteps.HistoryAsync(hub, pki, household.HouseholdId);
        Assert.Equal(HouseholdEvent.ChangeOneofCase.HouseholdSplit, history[^1].ChangeCase);
        Assert.Equal([leaving], history[^1].HouseholdSplit.Niks);
        Assert.Equal(split.NewHouseholdId, history[^1].HouseholdSplit.NewHouseholdId);

        // Replayed from the events alone, with the hub's own store configuration.
        await using var services = new ServiceCollection().AddLogging().AddRegistryStore(connectionString, "interop").BuildServiceProvider();
        await using var session = services.GetRequiredService<IDocumentStore>().QuerySession();
        var stored = await session.Events.FetchStreamAsync(Guid.Parse(household.HouseholdId));
        var upcast = Assert.IsType<DomainSplit>(stored[^1].Data);
        Assert.Equal([leaving], upcast.LeavingNiks);
        var replayed = await session.Events.AggregateStreamAsync<DomainHousehold>(Guid.Parse(household.HouseholdId));
        Assert.NotNull(replayed);
        Assert.Equal(split.Household.Members.Select(member => member.Nik), replayed.Members.Select(member => member.Nik));
        Assert.Equal(split.Household.Version, replayed.Version);
    }
}
