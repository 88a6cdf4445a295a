using Interop.Hub.Storage;
using Interop.Transparency;
using Marten;
using Microsoft.Extensions.Options;

namespace Interop.Hub.Audit.Log;

/// <summary>
/// Writes the audit log (docs/audit.md): takes every newly stored row of the sources the log covers
/// (events, disbursement lines, payment events, bank instructions, the access log) as a leaf, in each
/// source's sequence order, once it is final (<see cref="Finality"/>); stores the leaves and the
/// subtrees they complete; and signs a checkpoint of the new size at most every
/// <see cref="HubOptions.AuditCheckpointMilliseconds"/> while the log grows. One hub writes it at a
/// time (a session advisory lock, given back when it stops); another takes over when that hub's
/// connection ends. A failed append rolls back whole and the writer starts again from what is stored.
/// </summary>
internal sealed class LogSequencer(IDocumentStore store, CheckpointSigner signer, IOptions<HubOptions> options, TimeProvider clock, ILogger<LogSequencer> logger) : BackgroundService
{
    private const int RowsPerTake = 5_000;
    private const int MaxWaitingSnapshots = 64;

    private readonly TimeSpan tick = TimeSpan.FromMilliseconds(options.Value.AuditTickMilliseconds);
    private readonly TimeSpan checkpointEvery = TimeSpan.FromMilliseconds(options.Value.AuditCheckpointMilliseconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await LeadAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError("The audit log's writer stopped ({Error}: {Message}); it starts again from what is stored", error.GetType().Name, error.Message);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task LeadAsync(CancellationToken stoppingToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(stoppingToken);
        if (!await AuditLogStore.TryLeadAsync(connection, stoppingToken))
        {
            return;
        }

        try
        {
            await WriteAsync(connection, stoppingToken);
        }
        finally
        {
            await AuditLogStore.ReleaseLeadAsync(connection);
        }
    }

    private async Task WriteAsync(Npgsql.NpgsqlConnection connection, CancellationToken stoppingToken)
    {
        var schema = store.Options.DatabaseSchemaName;
        var sources = AuditLogStore.Sources(store);
        var position = await AuditLogStore.PositionAsync(connection, schema, sources, stoppingToken);
        var tree = TreeEdge.Resume(position.Size, position.Edge);
        var lastLogged = sources.ToDictionary(source => source.Code, source => position.LastLogged[source.Code]);
        var settledUpTo = sources.ToDictionary(source => source.Code, source => position.LastLogged[source.Code]);
        var waiting = new List<SettlingPoint>();
        var checkpointSize = position.CheckpointSize;
        var checkpointAt = DateTimeOffset.MinValue;
        logger.LogInformation("The audit log's writer runs here, from {Size} leaves; checkpoints are signed by {VerifierKey}", tree.Size, signer.Verifier.ToString());

        while (!stoppingToken.IsCancellationRequested)
        {
            waiting.Add(await AuditLogStore.SnapshotAsync(connection, sources, stoppingToken));
            if (waiting.Count > MaxWaitingSnapshots)
            {
                // A long transaction holds them all back; the oldest and the newest are all that matter.
                waiting.RemoveRange(1, waiting.Count - 2);
            }

            while (waiting.Count > 0 && await AuditLogStore.SettledAsync(connection, waiting[0], stoppingToken))
            {
                for (var i = 0; i < sources.Count; i++)
                {
                    settledUpTo[sources[i].Code] = Math.Max(settledUpTo[sources[i].Code], waiting[0].Highest[i]);
                }

                waiting.RemoveAt(0);
            }

            var leaves = new List<LogLeaf>();
            var nodes = new List<Subtree>();
            var more = false;
            var taken = new Dictionary<short, long>(lastLogged);
            foreach (var source in sources)
            {
                var rows = await AuditLogStore.EntriesAfterAsync(connection, source, lastLogged[source.Code], RowsPerTake, stoppingToken);
                var final = Finality.FinalPrefix([.. rows.Select(row => row.Reference)], lastLogged[source.Code], settledUpTo[source.Code]);
                more |= final == RowsPerTake;
                foreach (var (reference, entry) in rows.Take(final))
                {
                    var hash = new byte[MerkleTree.HashSize];
                    CanonicalJson.LeafHash(entry, hash);
                    leaves.Add(new LogLeaf(tree.Size, source.Code, reference, hash, signer.RowTag(tree.Size, source.Code, reference, System.Security.Cryptography.SHA256.HashData(entry), hash)));
                    nodes.AddRange(tree.Append(hash));
                    taken[source.Code] = reference;
                }
            }

            var now = clock.GetUtcNow();
            (Checkpoint, string, DateTimeOffset)? checkpoint = null;
            if (tree.Size > checkpointSize && now - checkpointAt >= checkpointEvery)
            {
                var head = new Checkpoint(signer.Origin, tree.Size, tree.Root());
                checkpoint = (head, signer.Sign(head), now);
            }

            if (leaves.Count > 0 || checkpoint is not null)
            {
                await AuditLogStore.AppendAsync(connection, schema, leaves, nodes, checkpoint, stoppingToken);
                foreach (var (code, reference) in taken)
                {
                    lastLogged[code] = reference;
                }

                if (checkpoint is { } signed)
                {
                    checkpointSize = signed.Item1.Size;
                    checkpointAt = now;
                }
            }

            if (!more)
            {
                await Task.Delay(tick, clock, stoppingToken);
            }
        }
    }
}
