using Interop.Hub.Audit.Log;
using Interop.Transparency;

namespace Interop.UnitTests;

/// <summary>How the audit log grows: its right edge gives the RFC 9162 root at every size, and only final rows join it.</summary>
public sealed class LogAppendTests
{
    private static byte[] Leaf(int i) => MerkleTree.LeafHash(BitConverter.GetBytes(i));

    [Fact]
    public void The_edge_gives_the_tree_head_of_every_size_and_resumes_from_its_stored_subtrees()
    {
        var edge = new TreeEdge();
        var stored = new Dictionary<(int, long), byte[]>();
        var leaves = new List<byte[]>();
        for (var i = 0; i < 70; i++)
        {
            Assert.Equal(MerkleTree.Root(leaves), edge.Root());
            var leaf = Leaf(i);
            leaves.Add(leaf);
            stored[(0, i)] = leaf;
            foreach (var subtree in edge.Append(leaf))
            {
                // Every completed subtree is the head of its aligned range of leaves.
                var width = 1 << subtree.Level;
                Assert.Equal(MerkleTree.Root(leaves.Skip((int)subtree.Index * width).Take(width).ToList()), subtree.Hash);
                stored[(subtree.Level, subtree.Index)] = subtree.Hash;
            }

            var resumed = TreeEdge.Resume(edge.Size, [.. TreeEdge.PositionsFor(edge.Size).Select(p => new Subtree(p.Level, p.Index, stored[(p.Level, p.Index)]))]);
            Assert.Equal(edge.Root(), resumed.Root());
        }

        Assert.Equal(MerkleTree.Root(leaves), edge.Root());
    }

    [Fact]
    public void Resuming_from_subtrees_that_are_not_the_edge_is_refused() =>
        Assert.Throws<ArgumentException>(() => TreeEdge.Resume(3, [new Subtree(0, 0, Leaf(0)), new Subtree(0, 1, Leaf(1))]));

    [Fact]
    public void Rows_without_a_gap_after_the_last_logged_are_final()
    {
        Assert.Equal(3, Finality.FinalPrefix([11, 12, 13], lastLogged: 10, settledUpTo: 10));
    }

    [Fact]
    public void A_gap_holds_back_every_row_after_it_until_the_snapshot_that_saw_them_has_settled()
    {
        // 12 may belong to a transaction still running: 13 and 14 wait, so that 12 can never land behind them.
        Assert.Equal(1, Finality.FinalPrefix([11, 13, 14], lastLogged: 10, settledUpTo: 10));
        // Once every transaction running when 14 was the highest has ended, 12 can no longer appear.
        Assert.Equal(3, Finality.FinalPrefix([11, 13, 14], lastLogged: 10, settledUpTo: 14));
        // Rows beyond the settled point still need an unbroken run.
        Assert.Equal(3, Finality.FinalPrefix([11, 13, 14, 16], lastLogged: 10, settledUpTo: 14));
    }

    [Fact]
    public void Nothing_after_the_first_gap_is_final_when_nothing_settled() =>
        Assert.Equal(0, Finality.FinalPrefix([12, 13], lastLogged: 10, settledUpTo: 10));
}

/// <summary>Proofs made from stored subtrees are exactly RFC 9162's proofs made from the leaves.</summary>
public sealed class StoredSubtreeProofTests
{
    [Fact]
    public void Inclusion_and_consistency_proofs_from_stored_subtrees_equal_those_from_the_leaves()
    {
        var edge = new TreeEdge();
        var stored = new Dictionary<(int Level, long Index), byte[]>();
        var leaves = new List<byte[]>();
        for (var i = 0; i < 67; i++)
        {
            var leaf = MerkleTree.LeafHash(BitConverter.GetBytes(i * 31));
            leaves.Add(leaf);
            stored[(0, i)] = leaf;
            foreach (var subtree in edge.Append(leaf))
            {
                stored[(subtree.Level, subtree.Index)] = subtree.Hash;
            }
        }

        for (var size = 1; size <= leaves.Count; size++)
        {
            var prefix = leaves.Take(size).ToList();
            for (var index = 0; index < size; index++)
            {
                var fromStore = ProofRanges.Inclusion(index, size).Select(range => ProofRanges.Head(range, stored)).ToList();
                Assert.Equal(MerkleTree.InclusionProof(prefix, index), fromStore);
            }

            for (var old = 0; old <= size; old++)
            {
                var fromStore = ProofRanges.Consistency(old, size).Select(range => ProofRanges.Head(range, stored)).ToList();
                Assert.Equal(MerkleTree.ConsistencyProof(prefix, old), fromStore);
            }
        }
    }

    [Fact]
    public void Only_the_empty_trees_root_is_extended_by_every_tree()
    {
        var root = MerkleTree.Root([MerkleTree.LeafHash("a"u8)]);

        Assert.True(MerkleTree.VerifyConsistency(0, 1, MerkleTree.Root([]), root, []));
        // A "checkpoint" of size 0 with another root is no empty tree.
        Assert.False(MerkleTree.VerifyConsistency(0, 1, root, root, []));
    }

    [Fact]
    public void A_proof_at_a_million_leaves_needs_few_stored_subtrees()
    {
        const long size = 1_000_000;
        var needed = new HashSet<(int, long)>();
        foreach (var range in ProofRanges.Inclusion(size - 3, size).Concat(ProofRanges.Consistency(654_321, size)))
        {
            needed.UnionWith(ProofRanges.Subtrees(range));
        }

        Assert.InRange(needed.Count, 1, 100);
        Assert.Equal(20, ProofRanges.Inclusion(123_456, size).Count);
    }
}
