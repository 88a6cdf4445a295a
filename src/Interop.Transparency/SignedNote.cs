using System.Buffers.Binary;
using System.Text;

namespace Interop.Transparency;

/// <summary>Rules on the text of a note and the names of keys (C2SP signed-note).</summary>
public static class NoteText
{
    /// <summary>A key name: non-empty, no Unicode spaces, no '+'.</summary>
    public static bool IsKeyName(string name) =>
        name.Length > 0 && !name.Any(c => char.IsWhiteSpace(c) || c == '+' || char.IsControl(c));

    /// <summary>A note's text: UTF-8 ending in a newline, no blank line, no control character but the newline.</summary>
    public static bool IsText(string text) => SignedNote.IsWellFormedText(text);
}

/// <summary>One signature line of a note: the key's name, its id and the signature bytes (after the 4-byte id).</summary>
public sealed record NoteSignature(string KeyName, uint KeyId, byte[] Signature)
{
    /// <summary>The line as written, "— name base64(id || signature)" and a newline.</summary>
    public string Line
    {
        get
        {
            var payload = new byte[4 + Signature.Length];
            BinaryPrimitives.WriteUInt32BigEndian(payload, KeyId);
            Signature.CopyTo(payload, 4);
            return $"\u2014 {KeyName} {Convert.ToBase64String(payload)}\n";
        }
    }
}

/// <summary>
/// A signed note (C2SP signed-note): a text ending in a newline, a blank line, then one line per
/// signature. A verifier trusts the note when a key it knows signed it; signatures by keys it does
/// not know are kept and ignored, a known key's bad signature refuses the note.
/// </summary>
public sealed record SignedNote(string Text, IReadOnlyList<NoteSignature> Signatures)
{
    public const int MaxSignatures = 100;

    public static SignedNote Sign(string text, params NoteSigningKey[] keys)
    {
        if (!IsWellFormedText(text))
        {
            throw new FormatException("A note's text is UTF-8 ending in a newline, with no control character but newlines and no blank line.");
        }

        var message = Encoding.UTF8.GetBytes(text);
        return new SignedNote(text, [.. keys.Select(key => new NoteSignature(key.Name, key.Verifier.KeyId, key.Sign(message)))]);
    }

    public SignedNote WithSignature(NoteSignature signature) => this with { Signatures = [.. Signatures, signature] };

    /// <summary>The note as written: text, blank line, signature lines.</summary>
    public override string ToString() => Text + "\n" + string.Concat(Signatures.Select(signature => signature.Line));

    /// <summary>Reads a note; throws <see cref="FormatException"/> with the reason when it is malformed.</summary>
    public static SignedNote Parse(string note)
    {
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0 || !note.EndsWith('\n'))
        {
            throw new FormatException("A signed note is its text, a blank line and its signature lines, each ending in a newline.");
        }

        if (split + 2 >= note.Length)
        {
            throw new FormatException("A signed note carries at least one signature.");
        }

        var text = note[..(split + 1)];
        if (!IsWellFormedText(text))
        {
            throw new FormatException("The note's text holds a control character or a blank line.");
        }

        var signatures = new List<NoteSignature>();
        foreach (var line in note[(split + 2)..^1].Split('\n'))
        {
            signatures.Add(ParseLine(line));
            if (signatures.Count > MaxSignatures)
            {
                throw new FormatException($"A note carries at most {MaxSignatures} signatures.");
            }
        }

        return new SignedNote(text, signatures);
    }

    /// <summary>Reads one signature line ("— name base64(id || signature)", without its newline).</summary>
    public static NoteSignature ParseLine(string line)
    {
        if (!line.StartsWith("\u2014 ", StringComparison.Ordinal))
        {
            throw new FormatException("A signature line starts with an em dash and a space.");
        }

        var fields = line[2..].Split(' ');
        if (fields.Length != 2 || !NoteText.IsKeyName(fields[0]))
        {
            throw new FormatException("A signature line reads '— name signature'.");
        }

        byte[] payload;
        try
        {
            payload = Base64Text.Decode(fields[1]);
        }
        catch (FormatException error)
        {
            throw new FormatException("A signature is not base64.", error);
        }

        if (payload.Length < 5)
        {
            throw new FormatException("A signature holds a key id and at least one byte.");
        }

        return new NoteSignature(fields[0], BinaryPrimitives.ReadUInt32BigEndian(payload), payload[4..]);
    }

    /// <summary>
    /// The keys among <paramref name="known"/> whose signatures on this note are good; throws
    /// <see cref="NoteVerificationException"/> when a known key's signature is bad or no known key signed.
    /// </summary>
    public IReadOnlyList<NoteVerifierKey> Verify(IEnumerable<NoteVerifierKey> known)
    {
        var keys = known.Where(key => key.Type == NoteVerifierKey.Ed25519).ToList();
        var message = Encoding.UTF8.GetBytes(Text);
        var good = new List<NoteVerifierKey>();
        foreach (var signature in Signatures)
        {
            var key = keys.FirstOrDefault(candidate => candidate.KeyId == signature.KeyId && candidate.Name == signature.KeyName);
            if (key is null)
            {
                continue;
            }

            if (!key.Verifies(message, signature.Signature))
            {
                throw new NoteVerificationException($"The signature of key {key.Name} ({key.KeyId:x8}) does not verify.");
            }

            good.Add(key);
        }

        return good.Count > 0 ? good : throw new NoteVerificationException("No key the verifier knows signed the note.");
    }

    internal static bool IsWellFormedText(string text) =>
        text.Length > 0 && text[^1] == '\n' && !text.Contains("\n\n", StringComparison.Ordinal) && !text.StartsWith('\n')
        && !text.Any(c => c != '\n' && char.IsControl(c)) && IsScalarText(text);

    private static bool IsScalarText(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}

public sealed class NoteVerificationException(string message) : Exception(message);
