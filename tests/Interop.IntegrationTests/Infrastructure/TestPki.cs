using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway PKI made in memory for one test run: the hub's partner CA, its server certificate,
/// demo partners' client certificates, and the certificates that must be refused (another CA's,
/// an expired one). The hub reads the CA and its own certificate from PEM files, as in production.
/// </summary>
public sealed class TestPki : IDisposable
{
    private readonly ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestPki()
    {
        Folder = Directory.CreateTempSubdirectory("interop-pki-").FullName;
        Ca = CreateAuthority("Interop Hub Test Partner CA", caKey);
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var serverNames = new SubjectAlternativeNameBuilder();
        serverNames.AddDnsName("localhost");
        serverNames.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(serverNames.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(Ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2), Serial());
        File.WriteAllText(CaPath, Ca.ExportCertificatePem());
        File.WriteAllText(ServerCertificatePath, server.ExportCertificatePem());
        File.WriteAllText(ServerKeyPath, serverKey.ExportPkcs8PrivateKeyPem());
        Steward = Partner("kemensos-pusdatin", "steward");
        Bandung = Partner("dinsos-kota-bandung", "local-government", "32.73");
        CivilRegistry = Partner("dukcapil", "civil-registry");
        Bank = Partner("bri", "bank");
        SecondBank = Partner("bni", "bank");
        Auditor = Partner("bpk", "auditor");
        DisasterResponder = Partner("bnpb", "disaster-responder");
        Researcher = Partner("ui-peneliti", "researcher");
        WriteSeed();
    }

    /// <summary>The hub's partner seed (Hub:PartnerSeed) in a PKI folder: the demo partners below, each with every scope its kind may hold.</summary>
    public static string SeedIn(string folder) => Path.Combine(folder, "partners.json");

    public string SeedPath => SeedIn(Folder);

    public string Folder { get; }

    public X509Certificate2 Ca { get; }

    public string CaPath => Path.Combine(Folder, "ca.crt");

    public string ServerCertificatePath => Path.Combine(Folder, "hub.crt");

    public string ServerKeyPath => Path.Combine(Folder, "hub.key");

    /// <summary>The registry steward, in the directory of every test hub (the seed).</summary>
    public X509Certificate2 Steward { get; }

    /// <summary>Dinas Sosial Kota Bandung, serving 32.73, in the directory of every test hub.</summary>
    public X509Certificate2 Bandung { get; }

    public X509Certificate2 CivilRegistry { get; }

    /// <summary>Bank Rakyat Indonesia, a paying bank.</summary>
    public X509Certificate2 Bank { get; }

    /// <summary>Bank Negara Indonesia, the second paying bank of the disbursement stories.</summary>
    public X509Certificate2 SecondBank { get; }

    public X509Certificate2 Auditor { get; }

    /// <summary>BNPB, the national disaster agency: reads with a disaster purpose only.</summary>
    public X509Certificate2 DisasterResponder { get; }

    /// <summary>A university research team: reads de-identified records only.</summary>
    public X509Certificate2 Researcher { get; }

    /// <summary>A client certificate signed by this run's partner CA.</summary>
    public X509Certificate2 Partner(string id, string kind, string? area = null, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        IssueClientCertificate(Ca, id, kind, area, notBefore ?? DateTimeOffset.UtcNow.AddMinutes(-5), notAfter ?? DateTimeOffset.UtcNow.AddDays(1));

    private void WriteSeed()
    {
        var partners = new[] { (Steward, "steward"), (Bandung, "local-government"), (CivilRegistry, "civil-registry"), (Bank, "bank"), (SecondBank, "bank"), (Auditor, "auditor"), (DisasterResponder, "disaster-responder"), (Researcher, "researcher") }
            .Select(pair =>
            {
                var id = pair.Item1.GetNameInfo(X509NameType.SimpleName, false);
                File.WriteAllText(Path.Combine(Folder, $"seed-{id}.crt"), pair.Item1.ExportCertificatePem());
                var kind = Interop.Hub.Partners.PartnerIdentity.KindOf(pair.Item2)!.Value;
                return new
                {
                    id,
                    kind = pair.Item2,
                    displayName = $"Test partner {id}",
                    areas = id == "dinsos-kota-bandung" ? new[] { "32.73" } : [],
                    scopes = Interop.Hub.Partners.Scopes.HeldBy(kind),
                    certificate = $"seed-{id}.crt",
                };
            });
        File.WriteAllText(SeedPath, System.Text.Json.JsonSerializer.Serialize(new { partners }));
        using var auditKey = Interop.Transparency.NoteSigningKey.Create(AuditOrigin);
        auditKey.Save(AuditKeyIn(Folder));
    }

    /// <summary>The origin of the test hubs' audit logs (Hub:AuditLogOrigin's default).</summary>
    public const string AuditOrigin = "interop-hub.local/audit-log";

    /// <summary>The hub's audit signing key (Hub:AuditSigningKey) in a PKI folder, written with the certificates.</summary>
    public static string AuditKeyIn(string folder) => Path.Combine(folder, "audit-signing.key");

    public string AuditKeyPath => AuditKeyIn(Folder);

    /// <summary>Writes a partner's certificate and key as PEM files, as a partner's system holds them; returns their paths.</summary>
    public (string Certificate, string Key) WritePem(X509Certificate2 certificate, string name)
    {
        var certificatePath = Path.Combine(Folder, $"{name}.crt");
        var keyPath = Path.Combine(Folder, $"{name}.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    /// <summary>A server certificate of this run's CA for another host than this one, as PEM files; returns their paths.</summary>
    public (string Certificate, string Key) WriteServerCertificateFor(string dnsName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.Create(Ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2), Serial());
        var certificatePath = Path.Combine(Folder, $"{dnsName}.crt");
        var keyPath = Path.Combine(Folder, $"{dnsName}.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    /// <summary>A second partner CA, as during a rollover (its successor, another key), with what it issues and publishes.</summary>
    public sealed class RolloverCa : IDisposable
    {
        private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public RolloverCa() => Ca = CreateAuthority("Interop Hub Test Partner CA 2027", key);

        public X509Certificate2 Ca { get; }

        public X509Certificate2 Partner(string id, string kind, string? area = null) =>
            IssueClientCertificate(Ca, id, kind, area, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        public string RevocationListPem(params X509Certificate2[] revoked) => TestPki.RevocationListPem(Ca, 1, revoked);

        public void Dispose()
        {
            Ca.Dispose();
            key.Dispose();
        }
    }

    /// <summary>The partner CA's revocation list as PEM text.</summary>
    public string RevocationListPem(long number, params X509Certificate2[] revoked) => RevocationListPem(Ca, number, revoked);

    /// <summary>A well-formed partner certificate from a CA the hub does not know.</summary>
    public static X509Certificate2 FromAnotherAuthority(string id, string kind)
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = CreateAuthority("Someone Else's CA", otherKey);
        return IssueClientCertificate(other, id, kind, null, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    public void Dispose()
    {
        Ca.Dispose();
        caKey.Dispose();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>Writes the partner CA's revocation list (PEM) naming these certificates, as the CA's operator publishes it.</summary>
    public void WriteRevocationList(string path, long number, params X509Certificate2[] revoked) => WriteRevocationList(path, Ca, number, revoked);

    /// <summary>A revocation list signed by another CA, which the hub must not take.</summary>
    public static void WriteForeignRevocationList(string path, params X509Certificate2[] revoked)
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = CreateAuthority("Interop Hub Test Partner CA", otherKey);
        WriteRevocationList(path, other, 1, revoked);
    }

    private static void WriteRevocationList(string path, X509Certificate2 issuer, long number, X509Certificate2[] revoked)
    {
        var temporary = path + ".new";
        File.WriteAllText(temporary, RevocationListPem(issuer, number, revoked));
        File.Move(temporary, path, overwrite: true);
    }

    private static string RevocationListPem(X509Certificate2 issuer, long number, X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate, DateTimeOffset.UtcNow.AddMinutes(-1), X509RevocationReason.KeyCompromise);
        }

        return PemEncoding.WriteString("X509 CRL", builder.Build(issuer, number, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256)) + "\n";
    }

    private static X509Certificate2 CreateAuthority(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 IssueClientCertificate(X509Certificate2 issuer, string id, string kind, string? area, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={id}, OU={kind}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri($"urn:interop-hub:partner:{kind}:{id}"));
        if (area is not null)
        {
            names.AddUri(new Uri($"urn:interop-hub:area:{area}"));
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using var certificate = request.Create(issuer, notBefore, notAfter, Serial());
        return certificate.CopyWithPrivateKey(key);
    }

    private static byte[] Serial() => RandomNumberGenerator.GetBytes(16);
}
