using System.Formats.Asn1;
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
    private DateTime loadedWrite;

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
            if (File.Exists(path) && File.GetLastWriteTimeUtc(path) != loadedWrite && Read(path) is { } problem)
            {
                Logger.LogError("The partner CRL {Path} was not taken ({Problem}); the previous list stays in force", path, problem);
            }
        }
    }

    /// <summary>Takes the list at the path, or says why not.</summary>
    private string? Read(string file)
    {
        try
        {
            var written = File.GetLastWriteTimeUtc(file);
            var bytes = File.ReadAllBytes(file);
            var revoked = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var der in Lists(bytes))
            {
                var issuer = IssuerOf(der);
                // A rolled-over CA often keeps its name: any trusted CA of that name whose key signed the list.
                var listed = partnerCas
                    .Where(ca => issuer is not null && ca.SubjectName.RawData.AsSpan().SequenceEqual(issuer))
                    .Select(ca => Parse(der, ca))
                    .FirstOrDefault(serialsListed => serialsListed is not null);
                if (listed is null)
                {
                    return "a revocation list in it is not signed by a trusted partner CA";
                }

                revoked.UnionWith(listed.Select(serial => Key(issuer!, serial)));
            }

            serials = revoked;
            loadedWrite = written;
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

    /// <summary>The revoked serial numbers (hex, see <see cref="Hex"/>), or null when the list is malformed or not signed by the CA.</summary>
    internal static HashSet<string>? Parse(ReadOnlySpan<byte> der, X509Certificate2 issuer)
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
            body.ReadEncodedValue(); // thisUpdate
            var revoked = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (body.HasData && !body.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                body.ReadEncodedValue(); // nextUpdate
            }

            if (body.HasData && body.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var entries = body.ReadSequence();
                while (entries.HasData)
                {
                    var entry = entries.ReadSequence();
                    revoked.Add(Hex(entry.ReadIntegerBytes().Span));
                }
            }

            return revoked;
        }
        catch (AsnContentException)
        {
            return null;
        }
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
