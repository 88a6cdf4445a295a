using System.Globalization;
using System.Text;

namespace Interop.Transparency;

/// <summary>
/// An inclusion proof with the checkpoint it proves against, as one self-contained text (C2SP
/// tlog-proof): the header line, the leaf's index, the proof's hashes in base64 one per line, a
/// blank line, then the signed checkpoint.
/// </summary>
public sealed record TlogProof(long Index, IReadOnlyList<byte[]> Hashes, string Checkpoint)
{
    public const string Header = "c2sp.org/tlog-proof@v1";

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Header).Append('\n');
        text.Append("index ").Append(Index.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var hash in Hashes)
        {
            text.Append(Convert.ToBase64String(hash)).Append('\n');
        }

        return text.Append('\n').Append(Checkpoint).ToString();
    }

    /// <summary>Reads a proof; throws <see cref="FormatException"/> with the reason when it is not one.</summary>
    public static TlogProof Parse(string text)
    {
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw new FormatException("A tlog-proof is its header, index and hashes, a blank line, then the checkpoint.");
        }

        var lines = text[..split].Split('\n');
        // An optional "extra <base64>" line: unauthenticated application data, which this log never writes and ignores.
        var at = lines.Length > 1 && lines[1].StartsWith("extra ", StringComparison.Ordinal) ? 2 : 1;
        if (lines.Length <= at || lines[0] != Header || !lines[at].StartsWith("index ", StringComparison.Ordinal)
            || !long.TryParse(lines[at]["index ".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || index.ToString(CultureInfo.InvariantCulture) != lines[at]["index ".Length..])
        {
            throw new FormatException($"A tlog-proof starts with \"{Header}\", an optional extra line and \"index <n>\".");
        }

        var hashes = new List<byte[]>();
        foreach (var line in lines[(at + 1)..])
        {
            byte[] hash;
            try
            {
                hash = Base64Text.Decode(line);
            }
            catch (FormatException error)
            {
                throw new FormatException("A proof hash is not base64.", error);
            }

            if (hash.Length != MerkleTree.HashSize || Convert.ToBase64String(hash) != line)
            {
                throw new FormatException("A proof hash is 32 bytes in standard base64.");
            }

            hashes.Add(hash);
        }

        if (hashes.Count > 64)
        {
            throw new FormatException("A proof has at most 64 hashes.");
        }

        return new TlogProof(index, hashes, text[(split + 2)..]);
    }
}
