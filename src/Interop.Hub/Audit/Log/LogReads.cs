using Interop.Hub.Storage;
using Interop.Transparency;
using Marten;

namespace Interop.Hub.Audit.Log;

/// <summary>What the log says about itself, as <see cref="LogReads.InfoAsync"/> reads it.</summary>
internal sealed record LogInfo(string Origin, long Size, string? Checkpoint, string VerifierKey);

/// <summary>A run of consecutive leaves: their stored hashes and the hashes recomputed from their rows now.</summary>
internal sealed record RecomputedLeaves(long StartIndex, byte[] Stored, byte[] Recomputed, IReadOnlyList<(long Index, string Source, long Sequence)> Missing, IReadOnlyList<(long Index, string Source, long Sequence)> Differing);

/// <summary>A proof against signed checkpoints, or why there is none (the field it is about and what is wrong).</summary>
internal abstract record ProofOutcome
{
    public sealed record Inclusion(long LeafIndex, long TreeSize, IReadOnlyList<byte[]> Hashes, string Checkpoint) : ProofOutcome;

    public sealed record Consistency(long OldSize, long NewSize, IReadOnlyList<byte[]> Hashes, string OldCheckpoint, string NewCheckpoint) : ProofOutcome;

    /// <summary>A request that cannot be right whatever is stored.</summary>
    public sealed record Malformed(string Field, string Description) : ProofOutcome;

    /// <summary>No checkpoint of that size, no such leaf in the log (yet).</summary>
    public sealed record NotFound(string ResourceType, string Field, string Message) : ProofOutcome;

    /// <summary>A leaf at or beyond the size of the checkpoint asked for.</summary>
    public sealed record OutOfRange(string Field, string Description) : ProofOutcome;
}

/// <summary>
/// An auditor's reads of the audit log: the checkpoints, and every leaf recomputed from its row as
/// the row is stored now, with the same canonical encoding the log wrote it with. Nothing returned
/// is personal data: hashes, positions and signed notes.
/// </summary>
internal sealed class LogReads(IDocumentStore store, CheckpointSigner signer, LogWitnesses witnesses, TimeProvider clock)
{
    /// <summary>Whole-log walks served at once: each reads on two connections and hashes on every core.</summary>
    public const int MaxWalks = 2;

    private static readonly SemaphoreSlim Walks = new(MaxWalks, MaxWalks);

    /// <summary>A place for one walk of the leaves (<see cref="RecomputeAsync"/>), given back when disposed; null when <see cref="MaxWalks"/> are under way.</summary>
    public static IDisposable? TryStartWalk() => Walks.Wait(0) ? new WalkPlace() : null;

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

    /// <summary>
    /// The leaves from <paramref name="start"/> to before <paramref name="end"/> (0: the log's size), a
    /// message's worth at a time. Each page is read on a connection of its own, two at once, so the
    /// database works on both cores: the leaves in one range scan, then their rows table by table by
    /// sequence. A leaf whose row tag holds for the SHA-256 of its row's entry text as PostgreSQL
    /// writes it now (computed there: 32 bytes a row) is recomputed as its hash; any other (a row
    /// edited, gone, or tagged before a key rotation, or a leaf without a tag) has its entry read and
    /// encoded in full, on every core.
    /// </summary>
    public async IAsyncEnumerable<RecomputedLeaves> RecomputeAsync(long start, long end, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connections = new[] { await OpenAsync(cancellationToken), await OpenAsync(cancellationToken) };
        var reads = new Queue<Task<Page>>();
        try
        {
            if (end <= 0)
            {
                end = await AuditLogStore.SizeAsync(connections[0], Schema, cancellationToken);
            }

            var sources = AuditLogStore.Sources(store).ToDictionary(source => source.Code);
            var next = start;
            var turn = 0;
            void ReadNext()
            {
                if (next < end)
                {
                    reads.Enqueue(ReadPageAsync(connections[turn], sources, next, Math.Min(end, next + LeavesPerMessage), cancellationToken));
                    next += LeavesPerMessage;
                    turn ^= 1;
                }
            }

            ReadNext();
            ReadNext();

            // The next index a message names: leaves missing between two stored ones are named where
            // the later one is sent, never past the last stored leaf, so a walk that ends names the
            // first index the leaves stop at.
            var expected = start;
            while (reads.Count > 0)
            {
                var page = await reads.Dequeue();
                if (page.Leaves.Count == 0)
                {
                    // A whole message's worth of leaves gone (or one placed far beyond the log): the walk
                    // ends here, rather than name every index up to the end; the verifier names where.
                    yield break;
                }

                ReadNext();
                var batch = new Batch(expected);
                for (var i = 0; i < page.Leaves.Count; i++)
                {
                    var leaf = page.Leaves[i];
                    for (; expected < leaf.Index; expected++)
                    {
                        // A leaf removed from the middle of the log: nothing to recompute it from; named as gone.
                        batch.Add(expected, AuditLogStore.LeafTable, expected, new byte[MerkleTree.HashSize], new byte[MerkleTree.HashSize], rowMissing: true);
                    }

                    expected = leaf.Index + 1;
                    var name = sources.TryGetValue(leaf.Source, out var source) ? source.Name : $"unknown-{leaf.Source}";
                    batch.Add(leaf.Index, name, leaf.Reference, leaf.Hash, page.Recomputed.AsSpan(i * MerkleTree.HashSize, MerkleTree.HashSize).ToArray(), page.Missing[i]);
                }

                yield return batch.ToMessage();
            }
        }
        finally
        {
            // A caller that stops early leaves reads under way: they end before their connections close.
            foreach (var read in reads)
            {
                await read.ContinueWith(done => done.Exception, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }

            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>A page of a walk: the stored leaves, each one's hash recomputed from its row now (zero when the row has no canonical form), and which rows are gone.</summary>
    private sealed record Page(IReadOnlyList<StoredLeaf> Leaves, byte[] Recomputed, bool[] Missing);

    /// <summary>The stored leaves of [<paramref name="from"/>, <paramref name="to"/>), each recomputed from its row as stored now.</summary>
    private async Task<Page> ReadPageAsync(Npgsql.NpgsqlConnection connection, IReadOnlyDictionary<short, LogSource> sources, long from, long to, CancellationToken cancellationToken)
    {
        var leaves = await AuditLogStore.LeavesAsync(connection, Schema, from, to, cancellationToken);
        var recomputed = new byte[leaves.Count * MerkleTree.HashSize];
        var missing = new bool[leaves.Count];
        var digests = new Dictionary<short, IReadOnlyDictionary<long, byte[]>>();
        foreach (var group in leaves.GroupBy(leaf => leaf.Source))
        {
            digests[group.Key] = sources.TryGetValue(group.Key, out var source)
                ? await AuditLogStore.EntryDigestsOfAsync(connection, source, [.. group.Select(leaf => leaf.Reference)], cancellationToken)
                : new Dictionary<long, byte[]>();
        }

        var full = new List<int>();
        for (var i = 0; i < leaves.Count; i++)
        {
            var leaf = leaves[i];
            if (!digests[leaf.Source].TryGetValue(leaf.Reference, out var digest))
            {
                missing[i] = true;
            }
            else if (leaf.RowTag is { } tag && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(tag, signer.RowTag(leaf.Index, leaf.Source, leaf.Reference, digest, leaf.Hash)))
            {
                leaf.Hash.CopyTo(recomputed, i * MerkleTree.HashSize);
            }
            else
            {
                full.Add(i);
            }
        }

        if (full.Count > 0)
        {
            var entries = new Dictionary<short, IReadOnlyDictionary<long, byte[]>>();
            foreach (var group in full.Select(i => leaves[i]).GroupBy(leaf => leaf.Source))
            {
                entries[group.Key] = await AuditLogStore.EntriesOfAsync(connection, sources[group.Key], [.. group.Select(leaf => leaf.Reference)], cancellationToken);
            }

            Parallel.ForEach(full, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                // A row deleted between the two reads is gone; one with no canonical form any more keeps the zero hash.
                if (entries[leaves[i].Source].TryGetValue(leaves[i].Reference, out var entry))
                {
                    LeafHashOf(entry, recomputed.AsSpan(i * MerkleTree.HashSize, MerkleTree.HashSize));
                }
                else
                {
                    missing[i] = true;
                }
            });
        }

        return new Page(leaves, recomputed, missing);
    }

    public async Task<(IReadOnlyList<(string Source, long Sequence)> Rows, long Total)> UnloggedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var sources = AuditLogStore.Sources(store);
        var names = sources.ToDictionary(source => source.Code, source => source.Name);
        var (rows, total) = await AuditLogStore.UnloggedRowsAsync(connection, Schema, sources, UnloggedShown, cancellationToken);
        return ([.. rows.Select(row => (names[row.Source], row.Reference))], total);
    }

    /// <summary>The inclusion proof of a leaf (by index, or by its source's name and sequence) in the checkpoint of <paramref name="treeSize"/> (0: the newest).</summary>
    public async Task<ProofOutcome> InclusionProofAsync(long? leafIndex, (string Source, long Sequence)? row, long treeSize, CancellationToken cancellationToken)
    {
        if (treeSize < 0)
        {
            return new ProofOutcome.Malformed("tree_size", "must not be negative");
        }

        var sources = AuditLogStore.Sources(store);
        await using var connection = await OpenAsync(cancellationToken);
        long index;
        if (row is { } named)
        {
            if (sources.FirstOrDefault(source => source.Name == named.Source) is not { } source)
            {
                return new ProofOutcome.Malformed("row.source", $"names no table of the log (one of {string.Join(", ", sources.Select(s => s.Name))})");
            }

            if (await AuditLogStore.LeafOfAsync(connection, Schema, source.Code, named.Sequence, cancellationToken) is not { } found)
            {
                return new ProofOutcome.NotFound("audit log leaf", "row", "The log holds no leaf for that row (yet).");
            }

            index = found;
        }
        else if (leafIndex is { } given and >= 0)
        {
            index = given;
        }
        else
        {
            return new ProofOutcome.Malformed("leaf_index", "name a leaf by a non-negative index or by its row");
        }

        if (await AuditLogStore.CheckpointAsync(connection, Schema, treeSize == 0 ? null : treeSize, cancellationToken) is not { } checkpoint)
        {
            return new ProofOutcome.NotFound("checkpoint", "tree_size", treeSize == 0 ? "The log has no checkpoint yet." : "No checkpoint has that size.");
        }

        if (index >= checkpoint.Size)
        {
            return new ProofOutcome.OutOfRange(row is null ? "leaf_index" : "row", $"the leaf ({index}) is not in the checkpoint of {checkpoint.Size} leaves");
        }

        var ranges = ProofRanges.Inclusion(index, checkpoint.Size);
        return new ProofOutcome.Inclusion(index, checkpoint.Size, await HeadsAsync(connection, ranges, cancellationToken), checkpoint.Note);
    }

    /// <summary>The consistency proof between the checkpoints of <paramref name="oldSize"/> and <paramref name="newSize"/> (0: the newest) leaves.</summary>
    public async Task<ProofOutcome> ConsistencyProofAsync(long oldSize, long newSize, CancellationToken cancellationToken)
    {
        if (oldSize < 0)
        {
            return new ProofOutcome.Malformed("old_size", "must not be negative");
        }

        if (newSize < 0 || (newSize > 0 && newSize < oldSize))
        {
            return new ProofOutcome.Malformed("new_size", "must be 0 (the newest checkpoint) or at least old_size");
        }

        await using var connection = await OpenAsync(cancellationToken);
        if (await AuditLogStore.CheckpointAsync(connection, Schema, newSize == 0 ? null : newSize, cancellationToken) is not { } newer)
        {
            return new ProofOutcome.NotFound("checkpoint", "new_size", newSize == 0 ? "The log has no checkpoint yet." : "No checkpoint has that size.");
        }

        if (oldSize > newer.Size)
        {
            return new ProofOutcome.OutOfRange("old_size", $"the newest checkpoint has {newer.Size} leaves");
        }

        // A witness asks from the size it last cosigned, which need not be a checkpoint the hub still has.
        var older = await AuditLogStore.CheckpointAsync(connection, Schema, oldSize, cancellationToken);
        var ranges = ProofRanges.Consistency(oldSize, newer.Size);
        return new ProofOutcome.Consistency(oldSize, newer.Size, await HeadsAsync(connection, ranges, cancellationToken), older?.Note ?? string.Empty, newer.Note);
    }

    /// <summary>Keeps a witness's cosignature of the checkpoint of <paramref name="size"/> leaves; the decision, and the checkpoint as now served.</summary>
    public async Task<(CosignatureDecision Decision, string? Checkpoint)> AddCosignatureAsync(long size, string line, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (await AuditLogStore.OwnNoteAsync(connection, Schema, size, cancellationToken) is not { } note)
        {
            return (new CosignatureDecision.Invalid("no checkpoint has that size"), null);
        }

        var decision = Witnessing.Decide(note, line, witnesses.Keys, clock.GetUtcNow());
        if (decision is CosignatureDecision.Accepted accepted)
        {
            await AuditLogStore.AddCosignatureAsync(connection, Schema, size, accepted.Witness, accepted.CosignedAt, accepted.Line, cancellationToken);
        }

        return (decision, (await AuditLogStore.CheckpointAsync(connection, Schema, size, cancellationToken))?.Note);
    }

    private async Task<IReadOnlyList<byte[]>> HeadsAsync(Npgsql.NpgsqlConnection connection, IReadOnlyList<LeafRange> ranges, CancellationToken cancellationToken)
    {
        var positions = ranges.SelectMany(ProofRanges.Subtrees).Distinct().ToList();
        var subtrees = await AuditLogStore.SubtreesAsync(connection, Schema, positions, cancellationToken);
        return [.. ranges.Select(range => ProofRanges.Head(range, subtrees))];
    }

    /// <summary>The leaf hash of an entry as stored now; an entry with no canonical form any more keeps the zero hash.</summary>
    private static void LeafHashOf(byte[] entry, Span<byte> hash)
    {
        try
        {
            CanonicalJson.LeafHash(entry, hash);
        }
        catch (FormatException)
        {
            hash.Clear();
        }
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

    private sealed class WalkPlace : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                Walks.Release();
            }
        }
    }
}
