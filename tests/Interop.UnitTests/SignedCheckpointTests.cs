using System.Text;
using Interop.Transparency;

namespace Interop.UnitTests;

/// <summary>The audit log's checkpoints: C2SP signed notes over tlog-checkpoint bodies, signed with Ed25519.</summary>
public sealed class SignedCheckpointTests
{
    private const string Origin = "interop-hub.test/audit-log";

    [Fact]
    public void Ed25519_signs_as_RFC_8032_test_1_says()
    {
        using var key = NoteSigningKey.FromSeed("rfc8032", NoteVerifierKey.Ed25519, Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));

        Assert.Equal("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", Convert.ToHexStringLower(key.Verifier.PublicKey));
        Assert.Equal(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            Convert.ToHexStringLower(key.Sign([])));
    }

    /// <summary>
    /// One flipped bit in the last character of a signature, a root or a proof hash changes only bits
    /// base64 leaves unused: a lenient reader would take the same bytes and pass a changed file as
    /// untouched. Only the canonical text of the bytes is read.
    /// </summary>
    [Fact]
    public void Base64_with_an_unused_bit_set_or_whitespace_inside_is_refused()
    {
        using var key = NoteSigningKey.Create(Origin);
        var checkpoint = new Checkpoint(Origin, 9, MerkleTree.LeafHash("x"u8));
        var note = SignedNote.Sign(checkpoint.Body, key).ToString();
        var signature = note.Split('\n')[^2].Split(' ')[^1];
        var root = Convert.ToBase64String(checkpoint.Root);
        var hash = Convert.ToBase64String(MerkleTree.LeafHash("y"u8));
        var proof = $"c2sp.org/tlog-proof@v1\nindex 3\n{hash}\n\n{note}";

        Assert.Equal(checkpoint.Root, SignedNote.Parse(note).Text.Split('\n') is [_, _, var line, ..] ? Convert.FromBase64String(line) : null);
        Assert.Equal(Convert.FromBase64String(signature), Convert.FromBase64String(UnusedBitSet(signature)));
        Assert.Throws<FormatException>(() => SignedNote.Parse(note.Replace(signature, UnusedBitSet(signature), StringComparison.Ordinal)));
        Assert.Throws<FormatException>(() => Checkpoint.Parse(checkpoint.Body.Replace(root, UnusedBitSet(root), StringComparison.Ordinal)));
        Assert.Throws<FormatException>(() => Checkpoint.Parse(checkpoint.Body.Replace(root, root[..8] + " " + root[8..], StringComparison.Ordinal)));
        Assert.Equal(3, TlogProof.Parse(proof).Index);
        Assert.Throws<FormatException>(() => TlogProof.Parse(proof.Replace(hash, UnusedBitSet(hash), StringComparison.Ordinal)));
    }

    /// <summary>The same bytes in base64 with the last character's lowest (unused) bit flipped.</summary>
    private static string UnusedBitSet(string base64)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var last = base64.TrimEnd('=').Length - 1;
        return base64[..last] + alphabet[alphabet.IndexOf(base64[last], StringComparison.Ordinal) ^ 1] + base64[(last + 1)..];
    }

    [Fact]
    public void A_signed_checkpoint_reads_back_and_verifies_with_the_hubs_public_key()
    {
        using var key = NoteSigningKey.Create(Origin);
        var checkpoint = new Checkpoint(Origin, 1_234_567, MerkleTree.LeafHash("x"u8));

        var note = SignedNote.Sign(checkpoint.Body, key).ToString();
        var read = SignedNote.Parse(note);
        var verifier = NoteVerifierKey.Parse(key.Verifier.ToString());

        Assert.Equal([verifier.KeyId], read.Verify([verifier]).Select(good => good.KeyId));
        var back = Checkpoint.Parse(read.Text);
        Assert.Equal((Origin, 1_234_567L), (back.Origin, back.Size));
        Assert.Equal(checkpoint.Root, back.Root);
        Assert.StartsWith($"{Origin}\n1234567\n", note, StringComparison.Ordinal);
        Assert.Contains("\n\n\u2014 " + Origin + " ", note, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_survives_its_file_and_keeps_its_id()
    {
        using var key = NoteSigningKey.Create(Origin);
        using var again = NoteSigningKey.Parse(key.Export());

        Assert.Equal(key.Verifier.ToString(), again.Verifier.ToString());
        Assert.StartsWith($"PRIVATE+KEY+{Origin}+", key.Export(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_edited_checkpoint_fails_verification()
    {
        using var key = NoteSigningKey.Create(Origin);
        var note = SignedNote.Sign(new Checkpoint(Origin, 10, MerkleTree.LeafHash("x"u8)).Body, key).ToString();

        var edited = SignedNote.Parse(note.Replace("\n10\n", "\n11\n", StringComparison.Ordinal));

        Assert.Throws<NoteVerificationException>(() => edited.Verify([key.Verifier]));
    }

    [Fact]
    public void A_checkpoint_signed_with_another_key_of_the_same_name_is_not_trusted()
    {
        using var hub = NoteSigningKey.Create(Origin);
        using var thief = NoteSigningKey.Create(Origin);
        var forged = SignedNote.Parse(SignedNote.Sign(new Checkpoint(Origin, 10, MerkleTree.LeafHash("x"u8)).Body, thief).ToString());

        // Another key has another id: its signature is not one the verifier knows, so nothing vouches for the note.
        var refusal = Assert.Throws<NoteVerificationException>(() => forged.Verify([hub.Verifier]));
        Assert.Contains("No key the verifier knows", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flipped_bit_in_a_signature_fails_verification()
    {
        using var key = NoteSigningKey.Create(Origin);
        var note = SignedNote.Sign(new Checkpoint(Origin, 3, MerkleTree.LeafHash("x"u8)).Body, key);
        var signature = note.Signatures[0];
        var flipped = signature.Signature.ToArray();
        flipped[17] ^= 0x01;

        var tampered = SignedNote.Parse((note with { Signatures = [signature with { Signature = flipped }] }).ToString());

        Assert.Throws<NoteVerificationException>(() => tampered.Verify([key.Verifier]));
    }

    [Fact]
    public void Across_a_key_rotation_each_checkpoint_verifies_with_the_key_that_signed_it()
    {
        using var old = NoteSigningKey.Create(Origin);
        using var next = NoteSigningKey.Create(Origin);
        var before = SignedNote.Parse(SignedNote.Sign(new Checkpoint(Origin, 5, MerkleTree.LeafHash("a"u8)).Body, old).ToString());
        var handover = SignedNote.Parse(SignedNote.Sign(new Checkpoint(Origin, 6, MerkleTree.LeafHash("b"u8)).Body, old, next).ToString());
        var after = SignedNote.Parse(SignedNote.Sign(new Checkpoint(Origin, 7, MerkleTree.LeafHash("c"u8)).Body, next).ToString());

        NoteVerifierKey[] trusted = [old.Verifier, next.Verifier];
        Assert.Single(before.Verify(trusted));
        Assert.Equal(2, handover.Verify(trusted).Count);
        Assert.Single(after.Verify(trusted));
        Assert.Throws<NoteVerificationException>(() => after.Verify([old.Verifier]));
    }

    [Theory]
    [InlineData("origin\n10\n")]
    [InlineData("origin\n010\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")]
    [InlineData("origin\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")]
    [InlineData("origin\n10\nAAAA\n")]
    [InlineData("origin\n10\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("\n10\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")]
    public void Text_that_is_not_a_checkpoint_is_refused(string text) =>
        Assert.Throws<FormatException>(() => Checkpoint.Parse(text));

    [Theory]
    [InlineData("a note\n")]
    [InlineData("a note\n\n")]
    [InlineData("a note\n\n- key AAAA\n")]
    [InlineData("a note\n\n\u2014 key !!!!\n")]
    [InlineData("a\u0007note\n\n\u2014 key AAAAAAAA\n")]
    public void Text_that_is_not_a_signed_note_is_refused(string note) =>
        Assert.Throws<FormatException>(() => SignedNote.Parse(note));

    [Fact]
    public void A_verifier_key_whose_hash_does_not_match_is_refused()
    {
        using var key = NoteSigningKey.Create(Origin);
        var text = key.Verifier.ToString();
        var parts = text.Split('+', 3);

        Assert.Throws<FormatException>(() => NoteVerifierKey.Parse($"{parts[0]}+00000000+{parts[2]}"));
        Assert.Throws<FormatException>(() => NoteVerifierKey.Parse($"other-name+{parts[1]}+{parts[2]}"));
        Assert.Equal(Encoding.UTF8.GetByteCount(Origin), Encoding.UTF8.GetByteCount(parts[0]));
    }
}

/// <summary>The C2SP tlog-proof text an evidence package carries for each leaf.</summary>
public sealed class TlogProofTests
{
    private const string Checkpoint = "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u2014 example.com/log AAAAAAAA\n";

    [Fact]
    public void A_proof_reads_back_as_written_and_an_extra_line_is_passed_over()
    {
        var proof = new TlogProof(2, [MerkleTree.LeafHash("a"u8), MerkleTree.LeafHash("b"u8)], Checkpoint);
        var text = proof.ToString();

        var read = TlogProof.Parse(text);
        var withExtra = TlogProof.Parse(text.Replace("index 2", "extra YWJj\nindex 2", StringComparison.Ordinal));

        Assert.StartsWith("c2sp.org/tlog-proof@v1\nindex 2\n", text, StringComparison.Ordinal);
        Assert.Equal((2L, Checkpoint), (read.Index, read.Checkpoint));
        Assert.Equal(proof.Hashes, read.Hashes);
        Assert.Equal(proof.Hashes, withExtra.Hashes);
    }

    [Theory]
    [InlineData("c2sp.org/tlog-proof@v2\nindex 1\n\nx")]
    [InlineData("c2sp.org/tlog-proof@v1\nindex 01\n\nx")]
    [InlineData("c2sp.org/tlog-proof@v1\nindex -1\n\nx")]
    [InlineData("c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\nx")]
    [InlineData("c2sp.org/tlog-proof@v1\nindex 1")]
    public void Text_that_is_not_a_proof_is_refused(string text) => Assert.Throws<FormatException>(() => TlogProof.Parse(text));
}
