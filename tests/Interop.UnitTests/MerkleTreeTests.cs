using Interop.Transparency;

namespace Interop.UnitTests;

/// <summary>The audit log's Merkle tree against the published RFC 6962 vectors, and every proof of many tree sizes made, verified and tampered with.</summary>
public sealed class MerkleTreeTests
{
    /// <summary>The eight leaves of the RFC 6962 test data (certificate-transparency's reference tests).</summary>
    private static readonly byte[][] Entries =
        new[] { "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" }
            .Select(Convert.FromHexString).ToArray();

    /// <summary>MTH(D[n]) for n = 0..8, as published with that test data.</summary>
    private static readonly string[] Roots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    private static byte[][] Leaves(int count) => [.. Entries.Take(count).Select(entry => MerkleTree.LeafHash(entry))];

    private static byte[][] Synthetic(int count) => [.. Enumerable.Range(0, count).Select(index => MerkleTree.LeafHash(BitConverter.GetBytes(index * 7919)))];

    [Fact]
    public void The_tree_heads_of_the_published_test_data_are_reproduced_for_every_size()
    {
        for (var size = 0; size <= 8; size++)
        {
            Assert.Equal(Roots[size], Convert.ToHexStringLower(MerkleTree.Root(Leaves(size))));
        }
    }

    [Fact]
    public void The_published_inclusion_proof_of_the_first_leaf_in_eight_is_made_and_verified()
    {
        string[] published = ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"];
        var leaves = Leaves(8);

        var proof = MerkleTree.InclusionProof(leaves, 0);

        Assert.Equal(published, proof.Select(Convert.ToHexStringLower));
        Assert.True(MerkleTree.VerifyInclusion(0, 8, leaves[0], proof, Convert.FromHexString(Roots[8])));
        Assert.False(MerkleTree.VerifyInclusion(1, 8, leaves[0], proof, Convert.FromHexString(Roots[8])));
    }

    [Fact]
    public void Every_inclusion_proof_of_every_tree_up_to_33_leaves_verifies_and_no_tampered_one_does()
    {
        for (var size = 1; size <= 33; size++)
        {
            var leaves = Synthetic(size);
            var root = MerkleTree.Root(leaves);
            for (var index = 0; index < size; index++)
            {
                var proof = MerkleTree.InclusionProof(leaves, index);
                Assert.True(MerkleTree.VerifyInclusion(index, size, leaves[index], proof, root), $"leaf {index} of {size}");
                // A proof does not bind the size by itself (leaf 0 of 3 and of 4 take the same turns): the signed
                // checkpoint carries size and root together. A size of another depth fails.
                Assert.False(MerkleTree.VerifyInclusion(index, (size * 2) + 1, leaves[index], proof, root));
                Assert.False(MerkleTree.VerifyInclusion(index, size, MerkleTree.LeafHash([1, 2, 3]), proof, root));
                if (size > 1)
                {
                    Assert.False(MerkleTree.VerifyInclusion((index + 1) % size, size, leaves[index], proof, root));
                    Assert.False(MerkleTree.VerifyInclusion(index, size, leaves[index], proof.Take(proof.Count - 1).ToList(), root));
                    Assert.False(MerkleTree.VerifyInclusion(index, size, leaves[index], [.. proof, root], root));
                    for (var node = 0; node < proof.Count; node++)
                    {
                        var flipped = proof.Select(hash => hash.ToArray()).ToList();
                        flipped[node][node % MerkleTree.HashSize] ^= 0x01;
                        Assert.False(MerkleTree.VerifyInclusion(index, size, leaves[index], flipped, root));
                    }
                }
            }

            Assert.False(MerkleTree.VerifyInclusion(size, size, leaves[0], [], root));
            Assert.False(MerkleTree.VerifyInclusion(-1, size, leaves[0], [], root));
        }
    }

    [Fact]
    public void Every_consistency_proof_between_trees_up_to_33_leaves_verifies_and_no_tampered_one_does()
    {
        var leaves = Synthetic(33);
        for (var newSize = 1; newSize <= 33; newSize++)
        {
            var newer = leaves.Take(newSize).ToList();
            var newRoot = MerkleTree.Root(newer);
            for (var oldSize = 0; oldSize <= newSize; oldSize++)
            {
                var oldRoot = MerkleTree.Root(newer.Take(oldSize).ToList());
                var proof = MerkleTree.ConsistencyProof(newer, oldSize);
                Assert.True(MerkleTree.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, proof), $"{oldSize} -> {newSize}");
                if (oldSize > 0 && oldSize < newSize)
                {
                    // Another history: the same sizes, one leaf of the old tree changed.
                    var forked = newer.ToList();
                    forked[oldSize - 1] = MerkleTree.LeafHash([9, 9, 9]);
                    Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, MerkleTree.Root(forked.Take(oldSize).ToList()), newRoot, proof));
                    Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, oldRoot, MerkleTree.Root(forked), proof));
                    Assert.False(MerkleTree.VerifyConsistency(oldSize, (newSize * 2) + 1, oldRoot, newRoot, proof));
                    Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, []));
                    for (var node = 0; node < proof.Count; node++)
                    {
                        var flipped = proof.Select(hash => hash.ToArray()).ToList();
                        flipped[node][0] ^= 0x80;
                        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, flipped));
                    }
                }
            }

            Assert.False(MerkleTree.VerifyConsistency(newSize, newSize - 1, newRoot, newRoot, []));
        }
    }
}
