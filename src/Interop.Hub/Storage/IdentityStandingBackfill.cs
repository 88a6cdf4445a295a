using Interop.Hub.Registry;
using Marten;

namespace Interop.Hub.Storage;

/// <summary>
/// Snapshots written before households kept their members' identity standing (the NIKs the civil
/// registry confirmed, the steward's exceptions) would read as if nobody had been confirmed, and
/// refuse a verified proposal's ratification or an active household's split. At startup each such
/// household is folded again from its events, which hold every verdict, and its snapshot replaced.
/// Does nothing once every snapshot is current.
/// </summary>
internal sealed class IdentityStandingBackfill(IDocumentStore store, ILogger<IdentityStandingBackfill> logger) : IHostedService
{
    private const int PageSize = 1_000;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var rebuilt = 0;
        while (true)
        {
            await using var session = store.LightweightSession();
            var ids = await session.AdvancedSql.QueryAsync<Guid>(
                $"select id from {MartenTables.Documents<Household>(session.DocumentStore)} where data -> '{nameof(Household.Confirmed)}' is null limit {PageSize}",
                cancellationToken);
            if (ids.Count == 0)
            {
                break;
            }

            foreach (var id in ids)
            {
                var household = await session.Events.AggregateStreamAsync<Household>(id, token: cancellationToken)
                    ?? throw new InvalidOperationException($"Household {id} has a snapshot but no events.");
                session.Store(household);
            }

            await session.SaveChangesAsync(cancellationToken);
            rebuilt += ids.Count;
        }

        if (rebuilt > 0)
        {
            logger.LogInformation("Folded {Count} household snapshot(s) again to record their members' identity standing", rebuilt);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
