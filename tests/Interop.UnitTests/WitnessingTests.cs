using Interop.Hub.Audit.Log;
using Interop.Transparency;

namespace Interop.UnitTests;

/// <summary>Cosignatures (C2SP tlog-cosignature) and what the hub keeps of them.</summary>
public sealed class WitnessingTests
{
    private const string Origin = "interop-hub.test/audit-log";
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private readonly NoteSigningKey hub = NoteSigningKey.Create(Origin);
    private readonly NoteSigningKey witness = NoteSigningKey.Create("bpk.go.id/witness", NoteVerifierKey.CosignatureV1);

    private string Note(long size) => SignedNote.Sign(new Checkpoint(Origin, size, MerkleTree.LeafHash(BitConverter.GetBytes(size))).Body, hub).ToString();

    [Fact]
    public void A_witnesss_cosignature_of_the_checkpoint_is_kept_with_its_time()
    {
        var note = Note(10);
        var line = Cosignature.Sign(witness, SignedNote.Parse(note).Text, Now.AddSeconds(-5)).Line;

        var decision = Assert.IsType<CosignatureDecision.Accepted>(Witnessing.Decide(note, line, [witness.Verifier], Now));

        Assert.Equal(("bpk.go.id/witness", Now.AddSeconds(-5), line), (decision.Witness, decision.CosignedAt, decision.Line));
    }

    [Fact]
    public void A_cosignature_of_another_checkpoint_is_refused()
    {
        var line = Cosignature.Sign(witness, SignedNote.Parse(Note(11)).Text, Now).Line;

        Assert.IsType<CosignatureDecision.Invalid>(Witnessing.Decide(Note(10), line, [witness.Verifier], Now));
    }

    [Fact]
    public void A_cosignature_whose_time_was_changed_is_refused()
    {
        var note = Note(10);
        var signature = Cosignature.Sign(witness, SignedNote.Parse(note).Text, Now);
        var later = signature.Signature.ToArray();
        later[7] ^= 0x01;

        Assert.IsType<CosignatureDecision.Invalid>(Witnessing.Decide(note, (signature with { Signature = later }).Line, [witness.Verifier], Now));
    }

    [Fact]
    public void A_key_that_is_not_the_logs_witness_is_refused_even_with_the_witnesss_name()
    {
        using var impostor = NoteSigningKey.Create("bpk.go.id/witness", NoteVerifierKey.CosignatureV1);
        var note = Note(10);

        Assert.IsType<CosignatureDecision.NotAWitness>(Witnessing.Decide(note, Cosignature.Sign(impostor, SignedNote.Parse(note).Text, Now).Line, [witness.Verifier], Now));
    }

    [Fact]
    public void A_log_key_cannot_pass_for_a_witness_key()
    {
        // The same seed under the note type has another key id, and a log key cannot cosign at all.
        Assert.Throws<ArgumentException>(() => Cosignature.Sign(hub, SignedNote.Parse(Note(3)).Text, Now));
        var note = Note(3);
        var asNote = SignedNote.Sign(SignedNote.Parse(note).Text, hub).Signatures[0].Line.TrimEnd('\n');

        Assert.IsType<CosignatureDecision.NotAWitness>(Witnessing.Decide(note, asNote, [witness.Verifier], Now));
    }

    [Fact]
    public void A_cosignature_from_the_future_is_refused()
    {
        var note = Note(10);

        Assert.IsType<CosignatureDecision.Invalid>(Witnessing.Decide(note, Cosignature.Sign(witness, SignedNote.Parse(note).Text, Now.AddHours(1)).Line, [witness.Verifier], Now));
    }

    [Theory]
    [InlineData("")]
    [InlineData("— ")]
    [InlineData("- bpk.go.id/witness AAAAAAAA")]
    [InlineData("— bpk.go.id/witness not-base64!")]
    public void A_line_that_is_not_a_signature_line_is_malformed(string line) =>
        Assert.IsType<CosignatureDecision.Malformed>(Witnessing.Decide(Note(10), line, [witness.Verifier], Now));

    [Fact]
    public void Verification_counts_cosigned_checkpoints_and_refuses_a_bad_cosignature()
    {
        var leaves = Enumerable.Range(0, 5).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i))).ToList();
        var text = new Checkpoint(Origin, 5, MerkleTree.Root(leaves)).Body;
        var good = SignedNote.Sign(text, hub).WithSignature(Cosignature.Sign(witness, text, Now));
        var verification = new LogVerification(Origin, [hub.Verifier], [witness.Verifier]);

        verification.AddCheckpoint(good.ToString());
        var stored = leaves.SelectMany(leaf => leaf).ToArray();
        verification.AddLeaves(0, stored, stored, [], new Dictionary<long, string>());
        var report = verification.Finish(storedLeaves: 5);

        Assert.True(report.Clean);
        Assert.Equal((1, 5L), (report.Cosigned, report.LargestCosigned));

        var cosignature = good.Signatures[1];
        var broken = new SignedNote(text, [good.Signatures[0], cosignature with { Signature = [.. cosignature.Signature[..70], (byte)(cosignature.Signature[70] ^ 1), .. cosignature.Signature[71..]] }]);
        var second = new LogVerification(Origin, [hub.Verifier], [witness.Verifier]);
        second.AddCheckpoint(broken.ToString());
        Assert.Contains(second.Finish(storedLeaves: 0).Problems, problem => problem.Kind == "cosignature");
    }
}
