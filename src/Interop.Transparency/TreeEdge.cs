namespace Interop.Transparency;

/// <summary>A complete subtree of a log's tree: the 2^Level leaves from Index × 2^Level on, and its hash.</summary>
public sealed record Subtree(int Level, long Index, byte[] Hash);

/// <summary>
/// The right edge of an append-only Merkle tree: for each set bit of the size, the complete subtree
/// it stands for, largest first. That is all a log needs to append leaves and to know its root
/// (RFC 9162's split at the largest power of two is exactly a fold of these from the right); every
/// subtree an append completes is handed back, to be stored for proofs.
/// </summary>
public sealed class TreeEdge
{
    private readonly List<Subtree> edge;

    public TreeEdge()
        : this(0, [])
    {
    }

    private TreeEdge(long size, List<Subtree> edge)
    {
        Size = size;
        this.edge = edge;
    }

    public long Size { get; private set; }

    public IReadOnlyList<Subtree> Edge => edge;

    /// <summary>The positions of the edge's subtrees for a tree of <paramref name="size"/> leaves, largest first: what to load to resume it.</summary>
    public static IEnumerable<(int Level, long Index)> PositionsFor(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        long start = 0;
        for (var level = 62; level >= 0; level--)
        {
            if ((size & (1L << level)) != 0)
            {
                yield return (level, start >> level);
                start += 1L << level;
            }
        }
    }

    /// <summary>Resumes the edge of a tree of <paramref name="size"/> leaves from its stored subtrees (in the order of <see cref="PositionsFor"/>).</summary>
    public static TreeEdge Resume(long size, IReadOnlyList<Subtree> subtrees)
    {
        var expected = PositionsFor(size).ToList();
        if (expected.Count != subtrees.Count || expected.Where((position, i) => subtrees[i].Level != position.Level || subtrees[i].Index != position.Index).Any())
        {
            throw new ArgumentException("The subtrees given are not the right edge of a tree of that size.", nameof(subtrees));
        }

        return new TreeEdge(size, [.. subtrees]);
    }

    /// <summary>Appends a leaf by its hash; returns the subtrees of two or more leaves it completed, smallest first.</summary>
    public IReadOnlyList<Subtree> Append(byte[] leafHash)
    {
        var completed = new List<Subtree>();
        var node = new Subtree(0, Size, leafHash);
        while (edge.Count > 0 && edge[^1].Level == node.Level)
        {
            var left = edge[^1];
            edge.RemoveAt(edge.Count - 1);
            node = new Subtree(node.Level + 1, left.Index >> 1, MerkleTree.NodeHash(left.Hash, node.Hash));
            completed.Add(node);
        }

        edge.Add(node);
        Size++;
        return completed;
    }

    /// <summary>MTH of the tree so far (SHA-256 of nothing when empty).</summary>
    public byte[] Root()
    {
        if (edge.Count == 0)
        {
            return MerkleTree.Root([]);
        }

        var hash = edge[^1].Hash;
        for (var i = edge.Count - 2; i >= 0; i--)
        {
            hash = MerkleTree.NodeHash(edge[i].Hash, hash);
        }

        return hash;
    }
}
