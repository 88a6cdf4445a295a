using Interop.Hub.Storage;
using Interop.Transparency;
using Marten;

namespace Interop.Hub.Audit.Log;

/// <summary>What the log says about itself, as <see cref="LogReads.InfoAsync"/> reads it.</summary>
internal sealed record LogInfo(string Origin, long Size, string? Checkpoint, string VerifierKey);

/// <summary>A run of consecutive leaves: their stored hashes and the hashes recomputed from their rows now.</summary>
internal sealed record RecomputedLeaves(long StartIndex, byte[] Stored, byte[] Recomputed, IReadOnlyList<(long Index, string Source, long Sequence)> Missing, IReadOnlyList<(long Index, string Source, long Sequence)> Differing);

/// <summary>
/// An auditor's reads of the audit log: the checkpoints, and every leaf recomputed from its row as
/// the row is stored now, with the same canonical encoding the log wrote it with. Nothing returned
/// is personal data: hashes, positions and signed notes.
/// </summary>
internal sealed class LogReads(IDocumentStore store, CheckpointSigner signer)
{
    public const int LeavesPerMessage = 4_096;
    public const int CheckpointsPerMessage = 1_000;
    public const int UnloggedShown = 1_000;

    private string Schema => store.Options.DatabaseSchemaName;

    public async Task<LogInfo> InfoAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var size = await AuditLogStore.SizeAsync(connection, Schema, cancellationToken);
        var checkpoint = await AuditLogStore.LatestCheckpointAsync(connection, Schema, cancellationToken);
        return new LogInfo(signer.Origin, size, checkpoint, signer.Verifier.ToString());
    }

    public async IAsyncEnumerable<IReadOnlyList<string>> CheckpointsAsync(long minSize, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var from = Math.Max(0, minSize);
        while (true)
        {
            var page = await AuditLogStore.CheckpointsFromAsync(connection, Schema, from, CheckpointsPerMessage, cancellationToken);
            if (page.Count == 0)
            {
                yield break;
            }

            yield return [.. page.Select(checkpoint => checkpoint.Note)];
            if (page.Count < CheckpointsPerMessage)
            {
                yield break;
            }

            from = page[^1].Size + 1;
        }
    }

    /// <summary>The leaves from <paramref name="start"/> to before <paramref name="end"/> (0: the log's size), a message's worth at a time.</summary>
    public async IAsyncEnumerable<RecomputedLeaves> RecomputeAsync(long start, long end, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (end <= 0)
        {
            end = await AuditLogStore.SizeAsync(connection, Schema, cancellationToken);
        }

        var sources = AuditLogStore.Sources(store);
        var names = sources.ToDictionary(source => source.Code, source => source.Name);
        var batch = new Batch(start);
        await foreach (var leaf in AuditLogStore.LeavesWithRowsAsync(connection, Schema, sources, start, end, cancellationToken))
        {
            var recomputed = leaf.Entry is null ? new byte[MerkleTree.HashSize] : MerkleTree.LeafHash(CanonicalJson.Canonicalize(leaf.Entry));
            batch.Add(leaf.Index, names.GetValueOrDefault(leaf.Source, $"unknown-{leaf.Source}"), leaf.Reference, leaf.Stored, recomputed, leaf.Entry is null);
            if (batch.Count == LeavesPerMessage)
            {
                yield return batch.ToMessage();
                batch = new Batch(leaf.Index + 1);
            }
        }

        if (batch.Count > 0)
        {
            yield return batch.ToMessage();
        }
    }

    public async Task<(IReadOnlyList<(string Source, long Sequence)> Rows, long Total)> UnloggedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var sources = AuditLogStore.Sources(store);
        var names = sources.ToDictionary(source => source.Code, source => source.Name);
        var (rows, total) = await AuditLogStore.UnloggedRowsAsync(connection, Schema, sources, UnloggedShown, cancellationToken);
        return ([.. rows.Select(row => (names[row.Source], row.Reference))], total);
    }

    private async Task<Npgsql.NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private sealed class Batch(long start)
    {
        private readonly MemoryStream stored = new();
        private readonly MemoryStream recomputed = new();
        private readonly List<(long, string, long)> missing = [];
        private readonly List<(long, string, long)> differing = [];

        public int Count { get; private set; }

        public void Add(long index, string source, long sequence, byte[] storedHash, byte[] recomputedHash, bool rowMissing)
        {
            stored.Write(storedHash);
            recomputed.Write(recomputedHash);
            if (rowMissing)
            {
                missing.Add((index, source, sequence));
            }
            else if (!storedHash.AsSpan().SequenceEqual(recomputedHash))
            {
                differing.Add((index, source, sequence));
            }

            Count++;
        }

        public RecomputedLeaves ToMessage() => new(start, stored.ToArray(), recomputed.ToArray(), missing, differing);
    }
}
