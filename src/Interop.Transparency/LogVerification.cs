namespace Interop.Transparency;

/// <summary>What verification found wrong, at the first place it went wrong.</summary>
public sealed record LogProblem(string Kind, long? Index, string Detail);

/// <summary>The outcome of verifying a log: what was checked and every problem, in log order.</summary>
public sealed record LogVerificationReport(long Leaves, int Checkpoints, long LargestVerifiedCheckpoint, int Cosigned, long LargestCosigned, IReadOnlyList<LogProblem> Problems)
{
    public bool Clean => Problems.Count == 0;

    /// <summary>Leaves after the largest verified checkpoint: checked against their rows, but no signature vouches for them yet.</summary>
    public long Uncovered { get; init; }

    /// <summary>The first leaf index any problem names, if any does.</summary>
    public long? FirstBadIndex => Problems.Where(problem => problem.Index is not null).Select(problem => problem.Index).Min();
}

/// <summary>
/// Verifies a whole log from outside: every checkpoint must be a signed note of a key the auditor
/// trusts, of the log's origin, in increasing size; the tree rebuilt from the leaves recomputed from
/// the stored rows must have each checkpoint's root at its size (so the checkpoints are also
/// consistent with one another: one history); and each recomputed leaf must equal the leaf the log
/// stored, which locates a changed, swapped or deleted row exactly. Feed it the checkpoints, then the
/// leaves in order, then finish. Pure: the CLI fetches, this decides.
/// </summary>
public sealed class LogVerification(string origin, IReadOnlyList<NoteVerifierKey> trusted, IReadOnlyList<NoteVerifierKey>? witnesses = null)
{
    private readonly SortedDictionary<long, byte[]> roots = [];
    private readonly SortedDictionary<long, byte[]> witnessed = [];
    private int cosigned;
    private long largestCosigned = -1;
    private readonly List<LogProblem> problems = [];
    private readonly TreeEdge rebuilt = new();
    private long lastCheckpointSize = -1;
    private long largestVerified = -1;
    private int checkpoints;
    private bool rootsDiverged;
    private (long First, long Last, string Row)? missingRun;

    /// <summary>Checks one checkpoint (in increasing size) and keeps its root for the leaves to meet.</summary>
    public void AddCheckpoint(string note)
    {
        checkpoints++;
        Checkpoint checkpoint;
        SignedNote signed;
        try
        {
            signed = SignedNote.Parse(note);
            signed.Verify(trusted);
            checkpoint = Checkpoint.Parse(signed.Text);
        }
        catch (Exception error) when (error is FormatException or NoteVerificationException)
        {
            problems.Add(new LogProblem("checkpoint-signature", null, $"checkpoint #{checkpoints} ({FirstLines(note)}): {error.Message}"));
            return;
        }

        if (checkpoint.Origin != origin)
        {
            problems.Add(new LogProblem("checkpoint-origin", null, $"checkpoint of size {checkpoint.Size} names origin \"{checkpoint.Origin}\", not \"{origin}\""));
            return;
        }

        if (checkpoint.Size <= lastCheckpointSize)
        {
            problems.Add(new LogProblem("checkpoint-order", null, $"checkpoint of size {checkpoint.Size} follows one of size {lastCheckpointSize}"));
            return;
        }

        lastCheckpointSize = checkpoint.Size;
        roots[checkpoint.Size] = checkpoint.Root;
        if (CosignersOf(signed, checkpoint) > 0)
        {
            cosigned++;
            largestCosigned = Math.Max(largestCosigned, checkpoint.Size);
        }
        if (checkpoint.Size == 0)
        {
            Meet();
        }
    }

    /// <summary>
    /// A checkpoint a witness cosigned and kept on its own side (its state): the rebuilt tree must
    /// have its root at its size, whatever the hub serves now. This is what catches a log whose end
    /// was cut off and re-signed with a stolen key, its cosignatures removed with it.
    /// </summary>
    public void AddWitnessedCheckpoint(string note)
    {
        if (rebuilt.Size > 0)
        {
            throw new InvalidOperationException("The witness's checkpoint is added before the leaves.");
        }

        try
        {
            var signed = SignedNote.Parse(note);
            signed.Verify(trusted);
            var checkpoint = Checkpoint.Parse(signed.Text);
            if (checkpoint.Origin != origin)
            {
                problems.Add(new LogProblem("witnessed-checkpoint", null, $"the witness's checkpoint names origin \"{checkpoint.Origin}\", not \"{origin}\""));
                return;
            }

            if (CosignersOf(signed, checkpoint) == 0)
            {
                problems.Add(new LogProblem("witnessed-checkpoint", null, $"the witness's checkpoint of size {checkpoint.Size} carries no good cosignature of a trusted witness"));
                return;
            }

            witnessed[checkpoint.Size] = checkpoint.Root;
        }
        catch (Exception error) when (error is FormatException or NoteVerificationException)
        {
            problems.Add(new LogProblem("witnessed-checkpoint", null, $"the witness's checkpoint does not verify: {error.Message}"));
        }
    }

    /// <summary>
    /// Adds consecutive leaves from <paramref name="startIndex"/>: the hashes the log stored and the
    /// hashes recomputed from the rows (32 bytes each); <paramref name="missing"/> names leaves whose row is gone.
    /// </summary>
    public void AddLeaves(long startIndex, ReadOnlySpan<byte> stored, ReadOnlySpan<byte> recomputed, IReadOnlyCollection<(long Index, string Row)> missing, IReadOnlyDictionary<long, string> rowNames)
    {
        if (startIndex != rebuilt.Size || stored.Length != recomputed.Length || stored.Length % MerkleTree.HashSize != 0)
        {
            throw new ArgumentException($"Leaves must follow on from index {rebuilt.Size}, with as many stored as recomputed hashes.");
        }

        var gone = missing.ToDictionary(row => row.Index, row => row.Row);
        for (var offset = 0; offset < stored.Length; offset += MerkleTree.HashSize)
        {
            var index = rebuilt.Size;
            var storedHash = stored.Slice(offset, MerkleTree.HashSize);
            var recomputedHash = recomputed.Slice(offset, MerkleTree.HashSize).ToArray();
            if (gone.TryGetValue(index, out var row))
            {
                // A run of missing leaves is one problem, named by its first row.
                // The same table's rows in a row: leaves gone from the log, or rows gone from one table.
                if (missingRun is { } run && run.Last == index - 1 && TableOf(run.Row) == TableOf(row))
                {
                    missingRun = run with { Last = index };
                }
                else
                {
                    EndMissingRun();
                    missingRun = (index, index, row);
                }
            }
            else if (!storedHash.SequenceEqual(recomputedHash))
            {
                problems.Add(new LogProblem("row-changed", index, $"leaf {index}: its row ({rowNames.GetValueOrDefault(index, "?")}) no longer hashes to the leaf the log stored"));
            }

            rebuilt.Append(recomputedHash);
            Meet();
        }
    }

    /// <summary>Rows the log lacks although it holds later rows of their table: written behind the hub's back.</summary>
    public void AddUnloggedRows(IReadOnlyList<string> rows, long total)
    {
        foreach (var row in rows)
        {
            problems.Add(new LogProblem("row-not-in-log", null, $"{row} is in the database but not in the log, although later rows of its table are"));
        }

        if (total > rows.Count)
        {
            problems.Add(new LogProblem("row-not-in-log", null, $"{total - rows.Count} more rows are in the database but not in the log"));
        }
    }

    /// <summary>
    /// The report. <paramref name="storedLeaves"/> is the size the log claimed before its leaves were
    /// read: a walk that ends short of it met leaves gone from the middle (or one placed far beyond).
    /// A log with leaves that no trusted checkpoint vouches for at all does not verify; leaves after
    /// the largest verified checkpoint are checked against their rows only (<see cref="LogVerificationReport.Uncovered"/>).
    /// </summary>
    public LogVerificationReport Finish(long storedLeaves)
    {
        EndMissingRun();
        if (storedLeaves > rebuilt.Size)
        {
            problems.Add(new LogProblem("leaves-unreached", rebuilt.Size, $"the log claims {storedLeaves} leaves, but they stop after {rebuilt.Size}: leaves are gone from index {rebuilt.Size} on"));
        }

        if (rebuilt.Size > 0 && largestVerified <= 0)
        {
            problems.Add(new LogProblem("no-checkpoint", null, $"no checkpoint signed by a trusted key has the root of the log's {rebuilt.Size} leaves at its size: nothing the hub signed vouches for them"));
        }

        foreach (var (size, _) in roots.Where(pair => pair.Key > rebuilt.Size))
        {
            problems.Add(new LogProblem("checkpoint-beyond-log", size - 1, $"a checkpoint of size {size} was signed, but the log now holds {rebuilt.Size} leaves: leaves were removed from its end"));
        }

        foreach (var (size, _) in witnessed.Where(pair => pair.Key > rebuilt.Size))
        {
            problems.Add(new LogProblem("witnessed-beyond-log", size - 1, $"the witness cosigned a checkpoint of size {size}, but the log now holds {rebuilt.Size} leaves: its end was cut off"));
        }

        return new LogVerificationReport(rebuilt.Size, checkpoints, largestVerified, cosigned, largestCosigned, [.. problems.OrderBy(problem => problem.Index ?? long.MaxValue)])
        {
            Uncovered = rebuilt.Size - Math.Max(largestVerified, 0),
        };
    }

    private static string TableOf(string row) => row.Split(" #", 2)[0];

    private void EndMissingRun()
    {
        if (missingRun is { } run)
        {
            problems.Add(new LogProblem("row-missing", run.First, run.First == run.Last
                ? $"leaf {run.First}: its row ({run.Row}) is gone from the database"
                : $"leaves {run.First} to {run.Last}: their rows ({run.Row} and the {run.Last - run.First} after it) are gone from the database"));
            missingRun = null;
        }
    }

    private void Meet()
    {
        if (witnessed.TryGetValue(rebuilt.Size, out var witnessedRoot) && !rebuilt.Root().AsSpan().SequenceEqual(witnessedRoot))
        {
            problems.Add(new LogProblem("witnessed-root-differs", rebuilt.Size - 1,
                $"the witness cosigned another tree at size {rebuilt.Size} than the one rebuilt from the stored rows: the log's history was rewritten up to leaf {rebuilt.Size - 1}"));
        }

        if (!roots.TryGetValue(rebuilt.Size, out var root))
        {
            return;
        }

        if (rebuilt.Root().AsSpan().SequenceEqual(root))
        {
            largestVerified = rebuilt.Size;
        }
        else if (!rootsDiverged)
        {
            // Only the first: every later checkpoint differs too once one leaf does.
            rootsDiverged = true;
            problems.Add(new LogProblem("root-differs", rebuilt.Size - 1,
                $"the tree rebuilt from the stored rows does not have the root the hub signed at size {rebuilt.Size}: a leaf after index {Math.Max(largestVerified, 0)} and up to {rebuilt.Size - 1} differs from what was signed"));
        }
    }

    /// <summary>How many trusted witnesses cosigned the checkpoint; a bad cosignature by one of them is a problem.</summary>
    private int CosignersOf(SignedNote signed, Checkpoint checkpoint)
    {
        var count = 0;
        foreach (var witness in witnesses ?? [])
        {
            foreach (var signature in signed.Signatures.Where(signature => signature.KeyName == witness.Name && signature.KeyId == witness.KeyId))
            {
                if (Cosignature.Verify(witness, signed.Text, signature) is null)
                {
                    problems.Add(new LogProblem("cosignature", null, $"the cosignature of witness {witness.Name} on the checkpoint of size {checkpoint.Size} does not verify"));
                }
                else
                {
                    count++;
                }
            }
        }

        return count;
    }

    private static string FirstLines(string note)
    {
        var lines = note.Split('\n');
        return lines.Length >= 2 ? $"size {lines[1]}" : "unreadable";
    }
}
