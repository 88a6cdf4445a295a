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
