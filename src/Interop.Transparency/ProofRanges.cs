namespace Interop.Transparency;

/// <summary>The leaves from <see cref="Start"/> up to before <see cref="End"/>, whose tree head is one hash of a proof.</summary>
public readonly record struct LeafRange(long Start, long End)
{
    public long Count => End - Start;
}

/// <summary>
/// RFC 9162's inclusion and consistency proofs for a log that keeps its complete subtrees rather
/// than its leaves in memory: which ranges of leaves the proof's hashes are the heads of (the same
/// recursion as <see cref="MerkleTree"/>, in the same order), and how each range's head folds from
/// stored subtrees. Every range a proof needs starts at a multiple of the power of two its size
/// rounds up to, so it is the complete subtrees of its size's binary digits, largest first: a
/// proof at a million leaves reads at most a few hundred stored hashes, usually a few dozen.
/// </summary>
public static class ProofRanges
{
    /// <summary>The ranges whose heads make PATH(index, D[size]), in proof order.</summary>
    public static IReadOnlyList<LeafRange> Inclusion(long index, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        var ranges = new List<LeafRange>();
        Path(index, 0, size, ranges);
        return ranges;
    }

    /// <summary>The ranges whose heads make PROOF(oldSize, D[newSize]), in proof order (none when oldSize is 0 or newSize).</summary>
    public static IReadOnlyList<LeafRange> Consistency(long oldSize, long newSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, newSize);
        var ranges = new List<LeafRange>();
        if (oldSize > 0 && oldSize < newSize)
        {
            SubProof(oldSize, 0, newSize, complete: true, ranges);
        }

        return ranges;
    }

    /// <summary>The complete subtrees (level, index at that level) that make up a range, largest first.</summary>
    public static IEnumerable<(int Level, long Index)> Subtrees(LeafRange range)
    {
        var start = range.Start;
        foreach (var (level, _) in TreeEdge.PositionsFor(range.Count))
        {
            if (start % (1L << level) != 0)
            {
                throw new ArgumentException($"The range [{range.Start}, {range.End}) is not aligned to its subtrees.", nameof(range));
            }

            yield return (level, start >> level);
            start += 1L << level;
        }
    }

    /// <summary>The head of a range from the hashes of its complete subtrees.</summary>
    public static byte[] Head(LeafRange range, IReadOnlyDictionary<(int Level, long Index), byte[]> subtrees)
    {
        var parts = Subtrees(range).Select(position => subtrees.TryGetValue(position, out var hash)
            ? hash
            : throw new KeyNotFoundException($"The subtree at level {position.Level}, index {position.Index} is not stored.")).ToList();
        var head = parts[^1];
        for (var i = parts.Count - 2; i >= 0; i--)
        {
            head = MerkleTree.NodeHash(parts[i], head);
        }

        return head;
    }

    private static long Split(long n) => 1L << (63 - (int)long.LeadingZeroCount(n - 1));

    private static void Path(long m, long start, long count, List<LeafRange> path)
    {
        if (count == 1)
        {
            return;
        }

        var k = Split(count);
        if (m < k)
        {
            Path(m, start, k, path);
            path.Add(new LeafRange(start + k, start + count));
        }
        else
        {
            Path(m - k, start + k, count - k, path);
            path.Add(new LeafRange(start, start + k));
        }
    }

    private static void SubProof(long m, long start, long count, bool complete, List<LeafRange> proof)
    {
        if (m == count)
        {
            if (!complete)
            {
                proof.Add(new LeafRange(start, start + count));
            }

            return;
        }

        var k = Split(count);
        if (m <= k)
        {
            SubProof(m, start, k, complete, proof);
            proof.Add(new LeafRange(start + k, start + count));
        }
        else
        {
            SubProof(m - k, start + k, count - k, complete: false, proof);
            proof.Add(new LeafRange(start, start + k));
        }
    }
}
