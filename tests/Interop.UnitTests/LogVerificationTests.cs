using Interop.Transparency;

namespace Interop.UnitTests;

/// <summary>The auditor's whole-log verification, given checkpoints and leaves as the hub serves them.</summary>
public sealed class LogVerificationTests : IDisposable
{
    private const string Origin = "interop-hub.test/audit-log";
    private readonly NoteSigningKey hub = NoteSigningKey.Create(Origin);
    private readonly NoteSigningKey witness = NoteSigningKey.Create("bpk.test/witness", NoteVerifierKey.CosignatureV1);
    private readonly List<byte[]> leaves = [.. Enumerable.Range(0, 9).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i)))];

    public void Dispose()
    {
        hub.Dispose();
        witness.Dispose();
    }

    private string Signed(long size, string origin = Origin, NoteSigningKey? key = null) =>
        SignedNote.Sign(new Checkpoint(origin, size, MerkleTree.Root(leaves.Take((int)size).ToList())).Body, key ?? hub).ToString();

    private LogVerificationReport Verify(IEnumerable<string> checkpoints, IReadOnlyList<byte[]>? recomputed = null, string? witnessState = null, long storedLeaves = 0)
    {
        var verification = new LogVerification(Origin, [hub.Verifier], [witness.Verifier]);
        if (witnessState is not null)
        {
            verification.AddWitnessedCheckpoint(witnessState);
        }

        foreach (var note in checkpoints)
        {
            verification.AddCheckpoint(note);
        }

        var stored = leaves.SelectMany(leaf => leaf).ToArray();
        verification.AddLeaves(0, stored, (recomputed ?? leaves).SelectMany(leaf => leaf).ToArray(), [], new Dictionary<long, string>());
        return verification.Finish(storedLeaves);
    }

    [Fact]
    public void Checkpoints_of_one_history_verify_clean()
    {
        var report = Verify([Signed(0), Signed(3), Signed(9)]);

        Assert.True(report.Clean);
        Assert.Equal((9L, 3, 9L), (report.Leaves, report.Checkpoints, report.LargestVerifiedCheckpoint));
    }

    [Fact]
    public void Leaves_after_the_largest_checkpoint_are_counted_as_not_yet_vouched_for()
    {
        var report = Verify([Signed(3), Signed(6)]);

        Assert.True(report.Clean);
        Assert.Equal((6L, 3L), (report.LargestVerifiedCheckpoint, report.Uncovered));
    }

    [Fact]
    public void Leaves_no_trusted_checkpoint_vouches_for_do_not_verify()
    {
        using var stolen = NoteSigningKey.Create(Origin);

        Assert.Equal(["no-checkpoint"], Verify([]).Problems.Select(problem => problem.Kind));
        Assert.Contains(Verify([Signed(9, key: stolen)]).Problems, problem => problem.Kind == "no-checkpoint");
    }

    [Fact]
    public void A_run_of_missing_leaves_is_one_problem_and_a_lone_one_another()
    {
        var verification = new LogVerification(Origin, [hub.Verifier]);
        verification.AddCheckpoint(Signed(9));
        var hashes = leaves.SelectMany(leaf => leaf).ToArray();

        verification.AddLeaves(0, hashes, hashes, [(2, "event #3"), (5, "audit_leaf #5"), (6, "audit_leaf #6"), (7, "audit_leaf #7"), (8, "event #9")], new Dictionary<long, string>());
        var missing = verification.Finish(storedLeaves: 9).Problems.Where(problem => problem.Kind == "row-missing").ToList();

        // The run of gone leaves is one problem; a gone event row right after it is another.
        Assert.Equal([2L, 5L, 8L], missing.Select(problem => problem.Index!.Value));
        Assert.Equal("leaves 5 to 7: their rows (audit_leaf #5 and the 2 after it) are gone from the database", missing[1].Detail);
    }

    [Fact]
    public void A_walk_that_stops_short_of_the_size_the_log_claims_is_found_where_it_stops()
    {
        var report = Verify([Signed(9)], storedLeaves: 4_000_000_000);

        Assert.False(report.Clean);
        Assert.Equal(9, report.FirstBadIndex);
        Assert.Equal("leaves-unreached", Assert.Single(report.Problems).Kind);
    }

    [Fact]
    public void A_changed_leaf_is_found_at_its_index_and_the_first_checkpoint_after_it_differs()
    {
        var changed = leaves.ToList();
        changed[4] = MerkleTree.LeafHash("edited"u8);

        var report = Verify([Signed(3), Signed(6), Signed(9)], changed);

        Assert.Equal(4, report.FirstBadIndex);
        Assert.Contains(report.Problems, problem => problem.Kind == "root-differs" && problem.Index == 5);
        Assert.Equal(3, report.LargestVerifiedCheckpoint);
    }

    [Fact]
    public void Checkpoints_out_of_order_of_another_origin_or_beyond_the_log_are_problems()
    {
        var report = Verify([Signed(6), Signed(3), Signed(4, origin: "other.test/log"), SignedNote.Sign(new Checkpoint(Origin, 12, new byte[32]).Body, hub).ToString()]);

        Assert.Equal(["checkpoint-beyond-log", "checkpoint-order", "checkpoint-origin"], report.Problems.Select(problem => problem.Kind).Order());
    }

    [Fact]
    public void A_witnessed_checkpoint_the_log_no_longer_has_is_caught()
    {
        var other = leaves.ToList();
        other[7] = MerkleTree.LeafHash("another history"u8);
        var text = new Checkpoint(Origin, 8, MerkleTree.Root(other.Take(8).ToList())).Body;
        var state = SignedNote.Sign(text, hub).WithSignature(Cosignature.Sign(witness, text, DateTimeOffset.UtcNow)).ToString();
        var stateBeyond = SignedNote.Sign(new Checkpoint(Origin, 20, new byte[32]).Body, hub);
        var beyondText = stateBeyond.Text;

        var rewritten = Verify([Signed(9)], witnessState: state);
        var cut = Verify([Signed(9)], witnessState: stateBeyond.WithSignature(Cosignature.Sign(witness, beyondText, DateTimeOffset.UtcNow)).ToString());
        var uncosigned = Verify([Signed(9)], witnessState: Signed(8));
        var otherText = new Checkpoint("another-hub.example/audit-log", 8, MerkleTree.Root(leaves.Take(8).ToList())).Body;
        var otherLog = Verify([Signed(9)], witnessState: SignedNote.Sign(otherText, hub).WithSignature(Cosignature.Sign(witness, otherText, DateTimeOffset.UtcNow)).ToString());

        Assert.Equal(7, rewritten.FirstBadIndex);
        Assert.Contains(rewritten.Problems, problem => problem.Kind == "witnessed-root-differs");
        Assert.Contains(cut.Problems, problem => problem.Kind == "witnessed-beyond-log");
        Assert.Contains(uncosigned.Problems, problem => problem.Kind == "witnessed-checkpoint");
        Assert.Contains(otherLog.Problems, problem => problem.Kind == "witnessed-checkpoint" && problem.Detail.Contains("another-hub.example", StringComparison.Ordinal));
    }

    [Fact]
    public void Leaves_must_follow_on_without_a_gap() =>
        Assert.Throws<ArgumentException>(() => new LogVerification(Origin, [hub.Verifier]).AddLeaves(1, new byte[32], new byte[32], [], new Dictionary<long, string>()));
}
