using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Interop.Hub.Partners;

/// <summary>
/// The partner certificates the partner CA has revoked, from its certificate revocation list (a
/// local file, PEM or DER, <c>Hub:PartnerCrl</c>): read at start and again whenever the file
/// changes, never fetched over the network. A list is taken only if the partner CA signed it; a
/// list that cannot be read or verified leaves the previous one in force.
/// </summary>
internal sealed class RevokedCertificates(X509Certificate2 partnerCa, string? path) : BackgroundService
{
    /// <summary>Set once the host's logging exists (the list is first read before it does).</summary>
    public ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private volatile HashSet<string> serials = new(StringComparer.OrdinalIgnoreCase);
    private DateTime loadedWrite;

    public const int DefaultReloadSeconds = 5;

    public TimeSpan ReloadEvery { get; init; } = TimeSpan.FromSeconds(DefaultReloadSeconds);

    public bool IsRevoked(X509Certificate2 certificate) => serials.Contains(Hex(certificate.SerialNumberBytes.Span));

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
            var der = bytes;
            if (bytes.AsSpan().StartsWith("-----BEGIN"u8))
            {
                var text = System.Text.Encoding.ASCII.GetString(bytes);
                der = Convert.FromBase64String(text[PemEncoding.Find(text).Base64Data]);
            }

            if (Parse(der, partnerCa) is not { } revoked)
            {
                return "not a revocation list signed by the partner CA";
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
