using Interop.Transparency;

namespace Interop.UnitTests;

/// <summary>An evidence package checked offline: one tree, each version once, none missing.</summary>
public sealed class EvidenceVerificationTests : IDisposable
{
    private const string Origin = "interop-hub.test/audit-log";
    private const string Household = "0193a0b2-7c4e-7a8e-9b1e-3f2a1c0d9e8f";
    private readonly NoteSigningKey hub = NoteSigningKey.Create(Origin);
    private readonly List<string> entries;
    private readonly List<byte[]> leaves;

    public EvidenceVerificationTests()
    {
        // Six leaves: the household's three events at 1, 3 and 4, other rows between.
        entries = [.. Enumerable.Range(0, 6).Select(index => System.Text.Encoding.UTF8.GetString(CanonicalJson.Canonicalize(index is 1 or 3 or 4
            ? "{\"source\": \"event\", \"seq\": " + (index + 10) + ", \"stream\": \"" + Household + "\", \"version\": " + (index == 1 ? 1 : index - 1) + ", \"type\": \"address_changed\", \"data\": {}}"
            : "{\"source\": \"access\", \"seq\": " + (index + 10) + "}")))];
        leaves = [.. entries.Select(entry => MerkleTree.LeafHash(System.Text.Encoding.UTF8.GetBytes(entry)))];
    }

    public void Dispose() => hub.Dispose();

    private EvidenceEntry Leaf(int index, int treeSize)
    {
        var tree = leaves.Take(treeSize).ToList();
        var note = SignedNote.Sign(new Checkpoint(Origin, treeSize, MerkleTree.Root(tree)).Body, hub).ToString();
        return new EvidenceEntry(index, "event", index + 10, entries[index], new TlogProof(index, MerkleTree.InclusionProof(tree, index), note).ToString());
    }

    private IReadOnlyList<string> Problems(params EvidenceEntry[] package) =>
        EvidenceVerification.Problems(new EvidencePackage(EvidencePackage.CurrentFormat, "household", Household, package), Origin, [hub.Verifier], []);

    [Fact]
    public void A_whole_package_in_one_tree_verifies()
    {
        Assert.Empty(Problems(Leaf(1, 6), Leaf(3, 6), Leaf(4, 6)));
    }

    [Fact]
    public void Proofs_in_two_different_trees_are_not_one_history_of_the_household()
    {
        var problems = Problems(Leaf(1, 5), Leaf(3, 5), Leaf(4, 6));

        Assert.Contains(problems, problem => problem.Contains("2 different checkpoints", StringComparison.Ordinal));
    }

    [Fact]
    public void A_leaf_given_twice_is_named_and_a_missing_version_too()
    {
        Assert.Contains(Problems(Leaf(1, 6), Leaf(3, 6), Leaf(3, 6), Leaf(4, 6)), problem => problem.Contains("version 2 of the household is in the package 2 times", StringComparison.Ordinal));
        Assert.Contains(Problems(Leaf(1, 6), Leaf(4, 6)), problem => problem.Contains("version 2 is missing", StringComparison.Ordinal));
    }
}
