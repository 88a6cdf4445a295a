using System.Globalization;

namespace Interop.Transparency;

/// <summary>
/// A checkpoint of a log (C2SP tlog-checkpoint): the note text "origin\nsize\nbase64(root)\n" and
/// optional extension lines. The origin names the log, so that a checkpoint of one log can never
/// pass for another's; size and root together commit to every leaf before the size.
/// </summary>
public sealed record Checkpoint(string Origin, long Size, byte[] Root, IReadOnlyList<string> Extensions)
{
    public Checkpoint(string origin, long size, byte[] root)
        : this(origin, size, root, [])
    {
    }

    /// <summary>The note text the log signs.</summary>
    public string Body =>
        $"{Origin}\n{Size.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(Root)}\n" + string.Concat(Extensions.Select(line => line + "\n"));

    /// <summary>Reads a checkpoint from a note's text; throws <see cref="FormatException"/> when it is not one.</summary>
    public static Checkpoint Parse(string text)
    {
        if (!text.EndsWith('\n'))
        {
            throw new FormatException("A checkpoint's text ends in a newline.");
        }

        var lines = text[..^1].Split('\n');
        if (lines.Length < 3 || lines[0].Length == 0 || lines.Any(line => line.Length == 0))
        {
            throw new FormatException("A checkpoint reads origin, size and root hash, one per line.");
        }

        if (lines[1].Length == 0 || lines[1].Length > 19 || lines[1].Any(c => c is < '0' or > '9') || (lines[1].Length > 1 && lines[1][0] == '0')
            || !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw new FormatException("A checkpoint's size is a decimal number without leading zeros.");
        }

        byte[] root;
        try
        {
            root = Base64Text.Decode(lines[2]);
        }
        catch (FormatException error)
        {
            throw new FormatException("A checkpoint's root hash is base64.", error);
        }

        if (root.Length != MerkleTree.HashSize || Convert.ToBase64String(root) != lines[2])
        {
            throw new FormatException("A checkpoint's root hash is 32 bytes in standard base64.");
        }

        return new Checkpoint(lines[0], size, root, lines[3..]);
    }
}
