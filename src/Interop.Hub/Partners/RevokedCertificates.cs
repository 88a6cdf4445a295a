using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Interop.Hub.Partners;

/// <summary>
/// The partner certificates the partner CAs have revoked, from their certificate revocation lists (a
/// local file, <c>Hub:PartnerCrl</c>: one DER list, or PEM lists one after another, one per CA of
/// the bundle): read at start and again whenever the file changes, never fetched over the network.
/// The file is taken only if a trusted partner CA signed each list in it; one that cannot be read or
/// verified leaves the previous lists in force.
/// </summary>
internal sealed class RevokedCertificates(X509Certificate2Collection partnerCas, string? path) : BackgroundService
{
    /// <summary>Set once the host's logging exists (the list is first read before it does).</summary>
    public ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private volatile HashSet<string> serials = new(StringComparer.OrdinalIgnoreCase);
    private Dictionary<string, BigInteger> lastNumbers = new(StringComparer.Ordinal);
    private (DateTime Written, long Length) loaded;

    /// <summary>Raised after a new list is taken, so that calls already open with a now revoked certificate can be ended.</summary>
    public event Action? Changed;

    public const int DefaultReloadSeconds = 5;

    public TimeSpan ReloadEvery { get; init; } = TimeSpan.FromSeconds(DefaultReloadSeconds);

    public bool IsRevoked(X509Certificate2 certificate) => serials.Contains(Key(certificate.IssuerName.RawData, Hex(certificate.SerialNumberBytes.Span)));

    /// <summary>Reads the list now; at start, a configured list that cannot be taken stops the hub.</summary>
    public void LoadOrThrow()
    {
        if (path is not null && Read(path) is { } problem)
        {
            throw new HubConfigurationException($"Hub:PartnerCrl {path}: {problem}");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (path is null)
        {
            return;
        }

        Logger.LogInformation("Partner CRL {Path} in force: {Count} revoked certificate(s)", path, serials.Count);
        using var timer = new PeriodicTimer(ReloadEvery);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var file = new FileInfo(path);
                if (file.Exists && (file.LastWriteTimeUtc, file.Length) != loaded && Read(path) is { } problem)
                {
                    Logger.LogError("The partner CRL {Path} was not taken ({Problem}); the previous lists stay in force", path, problem);
                }
            }
            catch (Exception exception)
            {
                Logger.LogError("The partner CRL {Path} could not be read ({ExceptionType}); the previous lists stay in force", path, exception.GetType().Name);
            }
        }
    }

    /// <summary>Takes the list at the path, or says why not.</summary>
    private string? Read(string file)
    {
        try
        {
            var bytes = File.ReadAllBytes(file);
            var written = File.GetLastWriteTimeUtc(file);
            var revoked = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var numbers = new Dictionary<string, BigInteger>(StringComparer.Ordinal);
            foreach (var der in Lists(bytes))
            {
                var issuer = IssuerOf(der);
                var signer = partnerCas.FirstOrDefault(ca => issuer is not null && ca.SubjectName.RawData.AsSpan().SequenceEqual(issuer));
                if (signer is null || ParseList(der, signer) is not { } list)
                {
                    return "a revocation list in it is not a complete list signed by a trusted partner CA";
                }

                var ca = signer.Thumbprint;
                if (numbers.ContainsKey(ca) || list.Number < lastNumbers.GetValueOrDefault(ca))
                {
                    return $"the list of {signer.Subject} is older than the one in force (number {list.Number}) or given twice";
                }

                if (list.NextUpdate is { } next && next < DateTimeOffset.UtcNow)
                {
                    Logger.LogWarning("The revocation list of {Ca} was due for renewal on {NextUpdate:u}; ask the CA for a new one", signer.Subject, next);
                }

                numbers[ca] = list.Number;
                revoked.UnionWith(list.Serials.Select(serial => Key(issuer!, serial)));
            }

            if (partnerCas.FirstOrDefault(ca => !numbers.ContainsKey(ca.Thumbprint)) is { } missing)
            {
                return $"it holds no list of {missing.Subject}; every trusted partner CA needs its list there";
            }

            lastNumbers = numbers;
            serials = revoked;
            loaded = (written, bytes.Length);
            Changed?.Invoke();
            Logger.LogInformation("Partner CRL {Path} taken: {Count} revoked certificate(s)", file, revoked.Count);
            return null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            return exception.GetType().Name;
        }
    }

    /// <summary>The DER lists of a file: the file itself, or each PEM block in it.</summary>
    private static List<byte[]> Lists(byte[] bytes)
    {
        if (!bytes.AsSpan().StartsWith("-----BEGIN"u8))
        {
            return [bytes];
        }

        var text = System.Text.Encoding.ASCII.GetString(bytes);
        var lists = new List<byte[]>();
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            lists.Add(Convert.FromBase64String(rest[fields.Base64Data].ToString()));
            rest = rest[fields.Location.End..];
        }

        return lists.Count > 0 ? lists : throw new FormatException("No PEM block.");
    }

    /// <summary>The DER of the list's issuer name, or null when it is not a list.</summary>
    private static byte[]? IssuerOf(byte[] der)
    {
        try
        {
            var body = new AsnReader(new AsnReader(der, AsnEncodingRules.DER).ReadSequence().ReadEncodedValue(), AsnEncodingRules.DER).ReadSequence();
            if (body.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                body.ReadInteger();
            }

            body.ReadSequence();
            return body.ReadEncodedValue().ToArray();
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static string Key(ReadOnlySpan<byte> issuer, string serial) => $"{Convert.ToHexString(issuer)}/{serial}";

    /// <summary>The revoked serial numbers (hex, see <see cref="Hex"/>), or null when the list is malformed, not signed by the CA, or not a complete list.</summary>
    internal static HashSet<string>? Parse(ReadOnlySpan<byte> der, X509Certificate2 issuer) => ParseList(der, issuer)?.Serials;

    /// <summary>A complete list signed by the CA: its number, when it is due for renewal, and its serials.</summary>
    internal sealed record RevocationList(BigInteger Number, DateTimeOffset? NextUpdate, HashSet<string> Serials);

    private const string CrlNumberOid = "2.5.29.20";

    /// <summary>
    /// Parses and verifies a list. A list or entry with a critical extension the hub does not handle
    /// (a delta list, an issuing distribution point, an indirect list's certificate issuer) is not
    /// a complete list of this CA's revocations, and is refused.
    /// </summary>
    internal static RevocationList? ParseList(ReadOnlySpan<byte> der, X509Certificate2 issuer)
    {
        try
        {
            var list = new AsnReader(der.ToArray(), AsnEncodingRules.DER).ReadSequence();
            var tbs = list.ReadEncodedValue().ToArray();
            var algorithm = list.ReadSequence().ReadObjectIdentifier();
            var signature = list.ReadBitString(out _);
            if (!Verifies(issuer, algorithm, tbs, signature))
            {
                return null;
            }

            var body = new AsnReader(tbs, AsnEncodingRules.DER).ReadSequence();
            if (body.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                body.ReadInteger(); // version
            }

            body.ReadSequence(); // signature algorithm
            body.ReadEncodedValue(); // issuer
            ReadTime(body); // thisUpdate
            var revoked = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            DateTimeOffset? nextUpdate = null;
            if (body.HasData && (body.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || body.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
            {
                nextUpdate = ReadTime(body);
            }

            if (body.HasData && body.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var entries = body.ReadSequence();
                while (entries.HasData)
                {
                    var entry = entries.ReadSequence();
                    revoked.Add(Hex(entry.ReadIntegerBytes().Span));
                    ReadTime(entry);
                    if (entry.HasData && Extensions(entry.ReadSequence()).Any(extension => extension.Critical))
                    {
                        return null;
                    }
                }
            }

            BigInteger number = 0;
            if (body.HasData)
            {
                var listExtensions = Extensions(body.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence());
                if (listExtensions.Any(extension => extension.Critical))
                {
                    return null;
                }

                if (listExtensions.FirstOrDefault(extension => extension.Oid == CrlNumberOid) is { Value: { } value })
                {
                    number = new AsnReader(value, AsnEncodingRules.DER).ReadInteger();
                }
            }

            return new RevocationList(number, nextUpdate, revoked);
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    private static List<(string Oid, bool Critical, byte[] Value)> Extensions(AsnReader sequence)
    {
        var extensions = new List<(string Oid, bool Critical, byte[] Value)>();
        while (sequence.HasData)
        {
            var extension = sequence.ReadSequence();
            var oid = extension.ReadObjectIdentifier();
            var critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
            extensions.Add((oid, critical, extension.ReadOctetString()));
        }

        return extensions;
    }

    private static bool Verifies(X509Certificate2 issuer, string algorithm, byte[] tbs, byte[] signature)
    {
        var hash = algorithm switch
        {
            "1.2.840.10045.4.3.2" or "1.2.840.113549.1.1.11" => HashAlgorithmName.SHA256,
            "1.2.840.10045.4.3.3" or "1.2.840.113549.1.1.12" => HashAlgorithmName.SHA384,
            "1.2.840.10045.4.3.4" or "1.2.840.113549.1.1.13" => HashAlgorithmName.SHA512,
            _ => default,
        };
        if (hash == default)
        {
            return false;
        }

        if (issuer.GetECDsaPublicKey() is { } ecdsa)
        {
            using (ecdsa)
            {
                return algorithm.StartsWith("1.2.840.10045", StringComparison.Ordinal) && ecdsa.VerifyData(tbs, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
            }
        }

        using var rsa = issuer.GetRSAPublicKey();
        return rsa is not null && algorithm.StartsWith("1.2.840.113549", StringComparison.Ordinal) && rsa.VerifyData(tbs, signature, hash, RSASignaturePadding.Pkcs1);
    }

    /// <summary>A serial number as the certificate shows it: its DER integer's bytes in hex, without a leading zero byte added for the sign.</summary>
    private static string Hex(ReadOnlySpan<byte> integer) =>
        Convert.ToHexString(integer.Length > 1 && integer[0] == 0 ? integer[1..] : integer);
}
