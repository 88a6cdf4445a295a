namespace Interop.Transparency;

/// <summary>
/// Base64 as the notes, keys and proofs write it (RFC 4648 section 4, padded), read strictly: only the
/// one text that encodes the bytes is accepted. A lenient reader takes whitespace inside the text and
/// ignores the unused low bits of the last character, so a flipped bit there would still read as the
/// same hash or signature and a changed file would pass as untouched.
/// </summary>
internal static class Base64Text
{
    public static byte[] Decode(string text)
    {
        var bytes = Convert.FromBase64String(text);
        if (!string.Equals(Convert.ToBase64String(bytes), text, StringComparison.Ordinal))
        {
            throw new FormatException("Not the canonical base64 of any bytes (whitespace inside, or unused bits set).");
        }

        return bytes;
    }
}
