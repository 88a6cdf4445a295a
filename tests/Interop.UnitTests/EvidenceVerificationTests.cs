using Interop.Transparency;

namespace Interop.UnitTests;

/// <summary>An evidence package checked offline: one tree, each version once, none missing, the record's own entries; a withheld entry's place proven.</summary>
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
            ? "{\"source\": \"event\", \"seq\": " + (index + 10) + ", \"stream\": \"" + Household + "\", \"version\": " + (index == 1 ? 1 : index - 1) + ", \"type\": \"" + (index == 1 ? "household_proposed" : "address_changed") + "\", \"data\": {}}"
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

    [Fact]
    public void A_withheld_entry_is_proven_in_its_place_by_its_hash_and_the_hub_signs_which_version_it_is()
    {
        var withheld = Withheld(3, version: 2);

        Assert.Empty(Problems(Leaf(1, 6), withheld, Leaf(4, 6)));
        // Another leaf's hash, or another version than the one signed: the statement fails.
        Assert.Contains(Problems(Leaf(1, 6), withheld with { LeafHash = Convert.ToBase64String(leaves[2]) }, Leaf(4, 6)), problem => problem.Contains("statement of what this withheld leaf is does not verify", StringComparison.Ordinal));
        Assert.Contains(Problems(Leaf(1, 6), withheld with { Version = 4 }, Leaf(4, 6)), problem => problem.Contains("statement of what this withheld leaf is does not verify", StringComparison.Ordinal));
        // Nothing a withheld leaf says is left unchecked: no sequence, the one reason, an entry that is empty, a version.
        foreach (var altered in new[] { withheld with { Sequence = 13 }, withheld with { Withheld = "holds a bank account numbers" }, withheld with { Entry = " " }, withheld with { Version = null } })
        {
            Assert.Contains(Problems(Leaf(1, 6), altered, Leaf(4, 6)), problem => problem.Contains("a withheld leaf gives its 32-byte hash", StringComparison.Ordinal));
        }

        // A shown leaf carries none of a withheld leaf's fields.
        Assert.Contains(Problems(Leaf(1, 6), Leaf(3, 6) with { Version = 2 }, Leaf(4, 6)), problem => problem.Contains("carries no withheld leaf's hash", StringComparison.Ordinal));
    }

    /// <summary>
    /// A package with an event taken out and a withheld copy of another leaf put in its place: the
    /// copy is the same leaf twice, and without the hub's statement of the version taken out, that
    /// version is missing. A statement signed by a key that is not trusted proves nothing.
    /// </summary>
    [Fact]
    public void An_event_taken_out_cannot_be_hidden_behind_a_withheld_copy_of_another_leaf()
    {
        var copy = Withheld(4, version: 3);
        var unsigned = copy with { Statement = Convert.ToBase64String(new byte[64]) };
        using var stranger = NoteSigningKey.Create(Origin);
        var strangers = copy with { Statement = Convert.ToBase64String(stranger.Sign(EvidenceSubjects.WithheldStatement(EvidenceSubjects.Household, Household, 4, "event", 2, leaves[4]))), Version = 2 };

        var problems = Problems(Leaf(1, 6), copy, Leaf(4, 6));

        Assert.Contains(problems, problem => problem.Contains("leaf 4 is in the package 2 times", StringComparison.Ordinal));
        Assert.Contains(problems, problem => problem.Contains("version 3 of the household is in the package 2 times", StringComparison.Ordinal));
        Assert.Contains(problems, problem => problem.Contains("version 2 is missing", StringComparison.Ordinal));
        Assert.Contains(Problems(Leaf(1, 6), unsigned, Leaf(4, 6)), problem => problem.Contains("does not verify", StringComparison.Ordinal));
        Assert.Contains(Problems(Leaf(1, 6), strangers, Leaf(4, 6)), problem => problem.Contains("does not verify", StringComparison.Ordinal));
        // The event that begins a record is never withheld.
        Assert.Contains(Problems(Withheld(1, version: 1), Leaf(3, 6), Leaf(4, 6)), problem => problem.Contains("is not one household", StringComparison.Ordinal));
    }

    /// <summary>Versions a hostile package claims (far beyond the rest, or below 1) are named, not counted out.</summary>
    [Fact]
    public void Versions_far_beyond_the_rest_or_below_one_are_named_without_counting_to_them()
    {
        foreach (var version in new[] { 2_000_000_000L, long.MaxValue, -5L, 0L })
        {
            var entry = System.Text.Encoding.UTF8.GetString(CanonicalJson.Canonicalize(
                "{\"source\": \"event\", \"seq\": 14, \"stream\": \"" + Household + "\", \"version\": " + version + ", \"type\": \"address_changed\", \"data\": {}}"));

            var problems = Problems(Leaf(1, 6), Leaf(3, 6), Leaf(4, 6) with { Entry = entry });

            Assert.Contains(problems, problem => problem.Contains("is missing or out of place", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_stream_begun_by_another_kinds_event_is_not_the_households_and_another_streams_entry_is_refused()
    {
        var package = new EvidencePackage(EvidencePackage.CurrentFormat, EvidenceSubjects.Partner, "kota-bandung", [Leaf(1, 6), Leaf(3, 6), Leaf(4, 6)]);

        // The household's events are not the partner's: the partner's stream is another.
        Assert.All(
            EvidenceVerification.Problems(package, Origin, [hub.Verifier], []).Take(3),
            problem => Assert.Contains("is not one of partner kota-bandung", problem, StringComparison.Ordinal));
        Assert.Contains(
            EvidenceVerification.Problems(package with { Subject = EvidenceSubjects.Batch, SubjectId = Household }, Origin, [hub.Verifier], []),
            problem => problem.Contains("its first event is a household_proposed, which does not begin a batch's record", StringComparison.Ordinal));
        Assert.Contains(Problems(Leaf(3, 6), Leaf(4, 6)), problem => problem.Contains("first event (version 1) is not here", StringComparison.Ordinal));
    }

    [Fact]
    public void A_lines_package_holds_its_row_once_and_its_payment_events_from_the_first()
    {
        const string batch = "0193a0b2-7c4e-7a8e-9b1e-000000000001";
        string[] lineEntries =
        [
            "{\"source\": \"disbursement_line\", \"seq\": 1, \"batch\": \"" + batch + "\", \"line\": 7, \"account_number\": \"0021\"}",
            "{\"source\": \"payment\", \"seq\": 2, \"batch\": \"" + batch + "\", \"line\": 7, \"line_version\": 1}",
            "{\"source\": \"payment\", \"seq\": 3, \"batch\": \"" + batch + "\", \"line\": 7, \"line_version\": 2}",
            "{\"source\": \"payment\", \"seq\": 4, \"batch\": \"" + batch + "\", \"line\": 8, \"line_version\": 1}",
        ];
        var canonical = lineEntries.Select(entry => System.Text.Encoding.UTF8.GetString(CanonicalJson.Canonicalize(entry))).ToList();
        var tree = canonical.Select(entry => MerkleTree.LeafHash(System.Text.Encoding.UTF8.GetBytes(entry))).ToList();
        var note = SignedNote.Sign(new Checkpoint(Origin, tree.Count, MerkleTree.Root(tree)).Body, hub).ToString();
        EvidenceEntry At(int index, string source) => new(index, source, index + 1, canonical[index], new TlogProof(index, MerkleTree.InclusionProof(tree, index), note).ToString());
        IReadOnlyList<string> Problems(params EvidenceEntry[] leaves) =>
            EvidenceVerification.Problems(new EvidencePackage(EvidencePackage.CurrentFormat, EvidenceSubjects.Line, $"{batch}/7", leaves), Origin, [hub.Verifier], []);
        var withheldRow = At(0, "disbursement_line") with
        {
            Entry = string.Empty, Sequence = 0, Withheld = EvidenceSubjects.HoldsAccountNumber, LeafHash = Convert.ToBase64String(tree[0]), Version = 0,
            Statement = Convert.ToBase64String(hub.Sign(EvidenceSubjects.WithheldStatement(EvidenceSubjects.Line, $"{batch}/7", 0, "disbursement_line", 0, tree[0]))),
        };

        Assert.Empty(Problems(At(0, "disbursement_line"), At(1, "payment"), At(2, "payment")));
        Assert.Empty(Problems(withheldRow, At(1, "payment"), At(2, "payment")));
        Assert.Contains(Problems(At(1, "payment"), At(2, "payment")), problem => problem.Contains("the line's row (as issued) is not here", StringComparison.Ordinal));
        Assert.Contains(Problems(At(0, "disbursement_line"), At(2, "payment")), problem => problem.Contains("line version 1 is missing", StringComparison.Ordinal));
        Assert.Contains(Problems(At(0, "disbursement_line"), At(1, "payment"), At(2, "payment"), At(3, "payment")), problem => problem.Contains("is not one of line 7 of batch", StringComparison.Ordinal));
        // The source is in what the hub signed: a withheld row passed off as a payment event fails.
        Assert.Contains(Problems(withheldRow with { Source = "payment" }, At(1, "payment"), At(2, "payment")), problem => problem.Contains("does not verify", StringComparison.Ordinal));
        Assert.Contains(
            EvidenceVerification.Problems(new EvidencePackage(EvidencePackage.CurrentFormat, EvidenceSubjects.Line, $"{batch}/07", [At(0, "disbursement_line")]), Origin, [hub.Verifier], []),
            problem => problem.Contains("is not one this verifier knows", StringComparison.Ordinal));
    }

    private EvidenceEntry Withheld(int index, long version) =>
        Leaf(index, 6) with
        {
            Entry = string.Empty, Sequence = 0, Withheld = EvidenceSubjects.HoldsAccountNumber, LeafHash = Convert.ToBase64String(leaves[index]), Version = version,
            Statement = Convert.ToBase64String(hub.Sign(EvidenceSubjects.WithheldStatement(EvidenceSubjects.Household, Household, index, "event", version, leaves[index]))),
        };
}
