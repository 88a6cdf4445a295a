using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Interop.Transparency;

/// <summary>
/// A witness's cosignature of a checkpoint (C2SP tlog-cosignature, cosignature/v1): the witness
/// signs "cosignature/v1\ntime T\n" followed by the checkpoint's text, after checking that the
/// checkpoint extends the last one it cosigned. The signature line is a note signature whose bytes
/// after the key id are the time (8 bytes, big-endian seconds since 1970) and the Ed25519 signature;
/// the key id is computed with the cosignature key type (0x04), so a witness key never passes for a
/// log's key, nor the reverse.
/// </summary>
public static class Cosignature
{
    public const string Header = "cosignature/v1";

    /// <summary>The bytes a witness signs for a checkpoint text at a time.</summary>
    public static byte[] Message(string checkpointText, long unixSeconds) =>
        Encoding.UTF8.GetBytes($"{Header}\ntime {unixSeconds.ToString(CultureInfo.InvariantCulture)}\n{checkpointText}");

    /// <summary>The witness's signature line for the checkpoint text, made at <paramref name="time"/>.</summary>
    public static NoteSignature Sign(NoteSigningKey witness, string checkpointText, DateTimeOffset time)
    {
        if (witness.Verifier.Type != NoteVerifierKey.CosignatureV1)
        {
            throw new ArgumentException("A cosignature is made with a cosignature/v1 key (type 0x04).", nameof(witness));
        }

        var seconds = time.ToUnixTimeSeconds();
        var payload = new byte[8 + 64];
        BinaryPrimitives.WriteUInt64BigEndian(payload, (ulong)seconds);
        witness.Sign(Message(checkpointText, seconds)).CopyTo(payload, 8);
        return new NoteSignature(witness.Name, witness.Verifier.KeyId, payload);
    }

    /// <summary>The time of the cosignature when it is the witness's valid cosignature of the checkpoint text; null otherwise.</summary>
    public static DateTimeOffset? Verify(NoteVerifierKey witness, string checkpointText, NoteSignature signature)
    {
        if (witness.Type != NoteVerifierKey.CosignatureV1 || signature.KeyName != witness.Name || signature.KeyId != witness.KeyId || signature.Signature.Length != 8 + 64)
        {
            return null;
        }

        var seconds = BinaryPrimitives.ReadUInt64BigEndian(signature.Signature);
        if (seconds > (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return null;
        }

        return witness.Verifies(Message(checkpointText, (long)seconds), signature.Signature.AsSpan(8))
            ? DateTimeOffset.FromUnixTimeSeconds((long)seconds)
            : null;
    }
}
