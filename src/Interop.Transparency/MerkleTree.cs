using System.Security.Cryptography;

namespace Interop.Transparency;

/// <summary>
/// The Merkle tree of RFC 9162 (Certificate Transparency 2.0, as RFC 6962 before it) over SHA-256:
/// leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right), the tree head of n leaves
/// split at the largest power of two below n; inclusion and consistency proofs made and verified as
/// RFC 9162 sections 2.1.3 and 2.1.4 say. Pure: the hub's audit log (issue 14) and an auditor's
/// offline verification both stand on it. Building proofs here recomputes subtrees from the leaf
/// hashes given; the log will keep its subtree hashes stored.
/// </summary>
public static class MerkleTree
{
    public const int HashSize = 32;

    /// <summary>The hash of an entry as a leaf: SHA-256(0x00 || entry).</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> entry)
    {
        var prefixed = new byte[entry.Length + 1];
        entry.CopyTo(prefixed.AsSpan(1));
        return SHA256.HashData(prefixed);
    }

    /// <summary>The hash of an inner node: SHA-256(0x01 || left || right).</summary>
    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> joined = stackalloc byte[1 + HashSize + HashSize];
        joined[0] = 0x01;
        left.CopyTo(joined[1..]);
        right.CopyTo(joined[(1 + HashSize)..]);
        return SHA256.HashData(joined);
    }

    /// <summary>MTH(D[n]) of the leaves given by their hashes; the empty tree's head is SHA-256 of nothing.</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leaves) => leaves.Count == 0 ? SHA256.HashData([]) : Head(leaves, 0, leaves.Count);

    /// <summary>PATH(m, D[n]): the inclusion proof of leaf <paramref name="index"/> in the tree of all the leaves given.</summary>
    public static IReadOnlyList<byte[]> InclusionProof(IReadOnlyList<byte[]> leaves, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, leaves.Count);
        var path = new List<byte[]>();
        Path((int)index, leaves, 0, leaves.Count, path);
        return path;
    }

    /// <summary>PROOF(m, D[n]): the consistency proof of the tree of the first <paramref name="oldSize"/> leaves with the tree of all of them.</summary>
    public static IReadOnlyList<byte[]> ConsistencyProof(IReadOnlyList<byte[]> leaves, long oldSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, leaves.Count);
        var proof = new List<byte[]>();
        if (oldSize > 0 && oldSize < leaves.Count)
        {
            SubProof((int)oldSize, leaves, 0, leaves.Count, complete: true, proof);
        }

        return proof;
    }

    /// <summary>RFC 9162 section 2.1.3.2: whether <paramref name="proof"/> proves the leaf at <paramref name="index"/> in the tree of <paramref name="size"/> leaves with <paramref name="root"/>.</summary>
    public static bool VerifyInclusion(long index, long size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= size || leafHash.Length != HashSize || root.Length != HashSize || proof.Any(node => node.Length != HashSize))
        {
            return false;
        }

        var fn = index;
        var sn = size - 1;
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = NodeHash(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    /// <summary>RFC 9162 section 2.1.4.2: whether <paramref name="proof"/> proves the tree of <paramref name="oldSize"/> leaves (<paramref name="oldRoot"/>) a prefix of the tree of <paramref name="newSize"/> (<paramref name="newRoot"/>).</summary>
    public static bool VerifyConsistency(long oldSize, long newSize, ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot, IReadOnlyList<byte[]> proof)
    {
        if (oldSize < 0 || oldSize > newSize || oldRoot.Length != HashSize || newRoot.Length != HashSize || proof.Any(node => node.Length != HashSize))
        {
            return false;
        }

        if (oldSize == newSize)
        {
            return proof.Count == 0 && oldRoot.SequenceEqual(newRoot);
        }

        if (oldSize == 0)
        {
            // Every tree extends the empty one; there is nothing to prove but that the old root is the empty tree's.
            return proof.Count == 0 && oldRoot.SequenceEqual(SHA256.HashData([]));
        }

        if (proof.Count == 0)
        {
            return false;
        }

        var path = (oldSize & (oldSize - 1)) == 0 ? [oldRoot.ToArray(), .. proof] : proof.ToList();
        var fn = oldSize - 1;
        var sn = newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = path[0];
        var sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = NodeHash(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && fr.AsSpan().SequenceEqual(oldRoot) && sr.AsSpan().SequenceEqual(newRoot);
    }

    /// <summary>The largest power of two smaller than <paramref name="n"/> (n at least 2).</summary>
    private static int Split(int n) => 1 << (31 - int.LeadingZeroCount(n - 1));

    private static byte[] Head(IReadOnlyList<byte[]> leaves, int start, int count)
    {
        if (count == 1)
        {
            return leaves[start];
        }

        var k = Split(count);
        return NodeHash(Head(leaves, start, k), Head(leaves, start + k, count - k));
    }

    private static void Path(int m, IReadOnlyList<byte[]> leaves, int start, int count, List<byte[]> path)
    {
        if (count == 1)
        {
            return;
        }

        var k = Split(count);
        if (m < k)
        {
            Path(m, leaves, start, k, path);
            path.Add(Head(leaves, start + k, count - k));
        }
        else
        {
            Path(m - k, leaves, start + k, count - k, path);
            path.Add(Head(leaves, start, k));
        }
    }

    private static void SubProof(int m, IReadOnlyList<byte[]> leaves, int start, int count, bool complete, List<byte[]> proof)
    {
        if (m == count)
        {
            if (!complete)
            {
                proof.Add(Head(leaves, start, count));
            }

            return;
        }

        var k = Split(count);
        if (m <= k)
        {
            SubProof(m, leaves, start, k, complete, proof);
            proof.Add(Head(leaves, start + k, count - k));
        }
        else
        {
            SubProof(m - k, leaves, start + k, count - k, complete: false, proof);
            proof.Add(Head(leaves, start, k));
        }
    }
}
