using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Interop.Transparency;

/// <summary>
/// A public key of a signed note (C2SP signed-note): its name, its 4-byte key id and the Ed25519
/// key, written as the verifier key string <c>name+hex(id)+base64(type || key)</c>. The key id is
/// the first four bytes of SHA-256(name || 0x0A || type || key), so a key and its name travel together.
/// </summary>
public sealed record NoteVerifierKey(string Name, uint KeyId, byte Type, byte[] PublicKey)
{
    /// <summary>The type byte of an Ed25519 key that signs notes (checkpoints).</summary>
    public const byte Ed25519 = 0x01;

    /// <summary>The type byte of an Ed25519 key that signs cosignature/v1 messages (a witness's key, C2SP tlog-cosignature).</summary>
    public const byte CosignatureV1 = 0x04;

    public static uint IdOf(string name, byte type, ReadOnlySpan<byte> publicKey)
    {
        var material = new byte[Encoding.UTF8.GetByteCount(name) + 2 + publicKey.Length];
        var written = Encoding.UTF8.GetBytes(name, material);
        material[written] = 0x0A;
        material[written + 1] = type;
        publicKey.CopyTo(material.AsSpan(written + 2));
        var hash = SHA256.HashData(material);
        return (uint)(hash[0] << 24 | hash[1] << 16 | hash[2] << 8 | hash[3]);
    }

    /// <summary>The verifier key string (<c>name+hash+base64</c>).</summary>
    public override string ToString() =>
        $"{Name}+{KeyId.ToString("x8", CultureInfo.InvariantCulture)}+{Convert.ToBase64String([Type, .. PublicKey])}";

    /// <summary>Reads a verifier key string; throws <see cref="FormatException"/> when it is malformed or its id does not match its name and key.</summary>
    public static NoteVerifierKey Parse(string text)
    {
        var parts = text.Trim().Split('+', 3);
        if (parts.Length != 3 || !NoteText.IsKeyName(parts[0]) || parts[1].Length != 8
            || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id))
        {
            throw new FormatException("A verifier key reads name+hash+base64(type || key).");
        }

        byte[] material;
        try
        {
            material = Base64Text.Decode(parts[2]);
        }
        catch (FormatException error)
        {
            throw new FormatException("The verifier key's last part is not base64.", error);
        }

        if (material.Length != 33 || (material[0] != Ed25519 && material[0] != CosignatureV1))
        {
            throw new FormatException("Only Ed25519 verifier keys (type 0x01 or 0x04, 32 bytes) are understood.");
        }

        var key = new NoteVerifierKey(parts[0], id, material[0], material[1..]);
        if (IdOf(key.Name, key.Type, key.PublicKey) != id)
        {
            throw new FormatException("The verifier key's hash does not match its name and key.");
        }

        return key;
    }

    /// <summary>Whether <paramref name="signature"/> is this key's Ed25519 signature of <paramref name="message"/>.</summary>
    public bool Verifies(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 64)
        {
            return false;
        }

        if (!NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, PublicKey, KeyBlobFormat.RawPublicKey, out var imported) || imported is null)
        {
            return false;
        }

        return SignatureAlgorithm.Ed25519.Verify(imported, message, signature);
    }
}

/// <summary>
/// A private key that signs notes: the Ed25519 seed with its name and type, kept in a file as
/// <c>PRIVATE+KEY+name+hash+base64(type || seed)</c> (the C2SP signer key format). Never logged.
/// </summary>
public sealed class NoteSigningKey : IDisposable
{
    private readonly Key key;

    private NoteSigningKey(string name, byte type, Key key)
    {
        this.key = key;
        var publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        Verifier = new NoteVerifierKey(name, NoteVerifierKey.IdOf(name, type, publicKey), type, publicKey);
    }

    public NoteVerifierKey Verifier { get; }

    public string Name => Verifier.Name;

    /// <summary>A new random key of the name and type given.</summary>
    public static NoteSigningKey Create(string name, byte type = NoteVerifierKey.Ed25519)
    {
        if (!NoteText.IsKeyName(name))
        {
            throw new FormatException("A key name is non-empty UTF-8 without spaces or '+'.");
        }

        return new NoteSigningKey(name, type, Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>The key from its 32-byte Ed25519 seed (RFC 8032's private key).</summary>
    public static NoteSigningKey FromSeed(string name, byte type, ReadOnlySpan<byte> seed) =>
        new(name, type, Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>Reads a signer key string; throws <see cref="FormatException"/> when it is malformed.</summary>
    public static NoteSigningKey Parse(string text)
    {
        var parts = text.Trim().Split('+', 5);
        if (parts.Length != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" || !NoteText.IsKeyName(parts[2]))
        {
            throw new FormatException("A signing key reads PRIVATE+KEY+name+hash+base64(type || seed).");
        }

        byte[] material;
        try
        {
            material = Base64Text.Decode(parts[4]);
        }
        catch (FormatException error)
        {
            throw new FormatException("The signing key's last part is not base64.", error);
        }

        if (material.Length != 33 || (material[0] != NoteVerifierKey.Ed25519 && material[0] != NoteVerifierKey.CosignatureV1))
        {
            throw new FormatException("Only Ed25519 signing keys (type 0x01 or 0x04, a 32-byte seed) are understood.");
        }

        var signing = FromSeed(parts[2], material[0], material.AsSpan(1));
        if (!string.Equals(signing.Verifier.KeyId.ToString("x8", CultureInfo.InvariantCulture), parts[3], StringComparison.OrdinalIgnoreCase))
        {
            signing.Dispose();
            throw new FormatException("The signing key's hash does not match its name and key.");
        }

        return signing;
    }

    /// <summary>The signer key string, to be written to a private file.</summary>
    public string Export() =>
        $"PRIVATE+KEY+{Name}+{Verifier.KeyId.ToString("x8", CultureInfo.InvariantCulture)}+{Convert.ToBase64String([Verifier.Type, .. key.Export(KeyBlobFormat.RawPrivateKey)])}";

    /// <summary>Writes the key to a new file only its owner can read, created so from the start; never overwrites one.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(new FileStream(path, options));
        writer.Write(Export() + "\n");
    }

    public byte[] Sign(ReadOnlySpan<byte> message) => SignatureAlgorithm.Ed25519.Sign(key, message);

    public void Dispose() => key.Dispose();
}
