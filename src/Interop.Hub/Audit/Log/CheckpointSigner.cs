using Interop.Transparency;

namespace Interop.Hub.Audit.Log;

/// <summary>
/// Signs the audit log's checkpoints with the hub's Ed25519 key (C2SP tlog-checkpoint in a signed
/// note). The key lives in a file outside the database: whoever can edit the database still cannot
/// sign a history of their own. The key's name is the log's origin, as C2SP recommends.
/// </summary>
internal sealed class CheckpointSigner(string origin, NoteSigningKey key) : IDisposable
{
    public string Origin { get; } = origin;

    public NoteVerifierKey Verifier => key.Verifier;

    public string Sign(Checkpoint checkpoint) => SignedNote.Sign(checkpoint.Body, key).ToString();

    /// <summary>
    /// The hub's seal over what it keeps beside the log and reads back as its own (a household's
    /// state at a version): an Ed25519 signature with the log's key over the content behind a prefix
    /// that begins with a zero byte, which no signed note's text does, so a seal is never a note's
    /// signature. Whoever can edit the database cannot seal; a seal made before a key rotation no
    /// longer verifies, and what it sealed is made again.
    /// </summary>
    public byte[] Seal(ReadOnlySpan<byte> content) => key.Sign(Sealable(content));

    public bool IsSealed(ReadOnlySpan<byte> content, ReadOnlySpan<byte> seal) => key.Verifier.Verifies(Sealable(content), seal);

    /// <summary>
    /// The tag that binds a leaf to its row as PostgreSQL writes it out (docs/audit.md, "How fast a
    /// walk is"): HMAC-SHA-256 over the leaf's index, source, row and hash and the SHA-256 of the row's
    /// entry text. Its key is derived from the log's key (the hash of the key's signature of a fixed
    /// text: Ed25519 signs deterministically), so whoever can edit the database cannot tag a row; a
    /// key rotated makes the tags before it fail, and those leaves are recomputed in full.
    /// </summary>
    public byte[] RowTag(long index, short source, long reference, ReadOnlySpan<byte> rowDigest, ReadOnlySpan<byte> leafHash)
    {
        Span<byte> message = stackalloc byte[8 + 2 + 8 + 32 + 32];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(message, index);
        System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(message[8..], source);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(message[10..], reference);
        rowDigest.CopyTo(message[18..]);
        leafHash.CopyTo(message[50..]);
        return System.Security.Cryptography.HMACSHA256.HashData(tagKey.Value, message);
    }

    /// <summary>
    /// The hub's signature, with the log's key, of a statement it makes in an evidence package (a
    /// withheld leaf's, <see cref="EvidenceSubjects.WithheldStatement"/>); verified with the hub's
    /// public key. A statement begins with a zero byte, which no signed note's text does.
    /// </summary>
    public byte[] SignStatement(byte[] statement) =>
        statement is [0, ..] ? key.Sign(statement) : throw new ArgumentException("A statement begins with a zero byte.", nameof(statement));

    public void Dispose() => key.Dispose();

    private readonly Lazy<byte[]> tagKey = new(() => System.Security.Cryptography.SHA256.HashData(key.Sign(Sealable("interop-hub row tag key v1"u8))));

    private static byte[] Sealable(ReadOnlySpan<byte> content) => [0, .. "interop-hub sealed state v1"u8, 0, .. content];

    /// <summary>
    /// The signer of the settings: the key file named, or for the embedded development database one
    /// kept beside it (created on first start, readable by its owner only).
    /// </summary>
    public static CheckpointSigner FromSettings(HubOptions options)
    {
        if (!NoteText.IsKeyName(options.AuditLogOrigin))
        {
            throw new HubConfigurationException(
                $"Hub:AuditLogOrigin \"{options.AuditLogOrigin}\" cannot name the log's signing key: use printable text without spaces or '+' (for example interop-hub.kemensos.go.id/audit-log).");
        }

        var path = options.AuditSigningKey;
        if (string.IsNullOrWhiteSpace(path))
        {
            if (!options.EmbeddedPostgres)
            {
                throw new HubConfigurationException(
                    "Hub:AuditSigningKey is not set: the audit log's checkpoints need the hub's signing key file (create one with `interop audit keygen`, docs/audit.md).");
            }

            path = Path.Combine(options.DataDirectory, "audit-signing.key");
            if (!File.Exists(path))
            {
                using var created = NoteSigningKey.Create(options.AuditLogOrigin);
                created.Save(path);
            }
        }

        NoteSigningKey key;
        try
        {
            key = NoteSigningKey.Parse(File.ReadAllText(path));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new HubConfigurationException($"Hub:AuditSigningKey {path} holds no signing key the hub can use: {error.Message}");
        }

        if (key.Verifier.Name != options.AuditLogOrigin)
        {
            var name = key.Verifier.Name;
            key.Dispose();
            // An auditor trusts the key and checks checkpoints against its name: a key named otherwise would sign checkpoints no verification accepts.
            throw new HubConfigurationException($"Hub:AuditSigningKey {path} is named \"{name}\", but the log's origin (Hub:AuditLogOrigin) is \"{options.AuditLogOrigin}\": make the key with `interop audit keygen --name {options.AuditLogOrigin}`.");
        }

        return new CheckpointSigner(options.AuditLogOrigin, key);
    }
}
