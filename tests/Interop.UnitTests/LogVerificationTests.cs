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

    private LogVerificationReport Verify(IEnumerable<string> checkpoints, IReadOnlyList<byte[]>? recomputed = null, string? witnessState = null)
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
        return verification.Finish();
    }

    [Fact]
    public void Checkpoints_of_one_history_verify_clean()
    {
        var report = Verify([Signed(0), Signed(3), Signed(9)]);

        Assert.True(report.Clean);
        Assert.Equal((9L, 3, 9L), (report.Leaves, report.Checkpoints, report.LargestVerifiedCheckpoint));
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

        Assert.Equal(7, rewritten.FirstBadIndex);
        Assert.Contains(rewritten.Problems, problem => problem.Kind == "witnessed-root-differs");
        Assert.Contains(cut.Problems, problem => problem.Kind == "witnessed-beyond-log");
        Assert.Contains(uncosigned.Problems, problem => problem.Kind == "witnessed-checkpoint");
    }

    [Fact]
    public void Leaves_must_follow_on_without_a_gap() =>
        Assert.Throws<ArgumentException>(() => new LogVerification(Origin, [hub.Verifier]).AddLeaves(1, new byte[32], new byte[32], [], new Dictionary<long, string>()));
}
