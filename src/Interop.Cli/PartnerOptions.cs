using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace Interop.Cli;

/// <summary>How a command reaches the hub: its address, the partner certificate, the CA that issued the hub's.</summary>
internal sealed class PartnerOptions
{
    public Option<string> Hub { get; } = new("--hub")
    {
        Description = "Address of the hub",
        DefaultValueFactory = _ => "https://localhost:7443",
    };

    public Option<string?> Partner { get; } = new("--partner")
    {
        Description = "Demo partner id: uses <certs>/<id>.crt and .key (kemensos-pusdatin, dukcapil, dinsos-kota-bandung, bri, bpk)",
    };

    public Option<FileInfo?> Certificate { get; } = new("--cert") { Description = "Partner certificate (PEM)" };

    public Option<FileInfo?> Key { get; } = new("--key") { Description = "Partner private key (PEM)" };

    public Option<FileInfo?> Ca { get; } = new("--ca") { Description = "CA certificate that issued the hub's certificate (PEM); default <certs>/ca.crt" };

    public Option<DirectoryInfo> Certs { get; } = new("--certs")
    {
        Description = "Folder of the dev PKI",
        DefaultValueFactory = _ => new DirectoryInfo("certs/out"),
    };

    public Option<string?> Purpose { get; } = new("--purpose")
    {
        Description = "Why the call reads personal data (x-interop-purpose; e.g. registry-stewardship, household-verification, audit-examination: docs/partners.md); default $INTEROP_PURPOSE",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("INTEROP_PURPOSE"),
    };

    public Option<string?> Officer { get; } = new("--officer")
    {
        Description = "The acting officer's staff id at the partner (x-interop-officer), recorded on every change and access log entry; default $INTEROP_OFFICER",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("INTEROP_OFFICER"),
    };

    /// <summary>Why the hub's certificate was refused on the last connection, if it was.</summary>
    public string? CertificateRefusal { get; private set; }

    public void AddTo(Command command)
    {
        command.Options.Add(Hub);
        command.Options.Add(Partner);
        command.Options.Add(Certificate);
        command.Options.Add(Key);
        command.Options.Add(Ca);
        command.Options.Add(Certs);
        command.Options.Add(Purpose);
        command.Options.Add(Officer);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    public GrpcChannel Open(ParseResult result, int maxSendMessageBytes = 4 * 1024 * 1024)
    {
        var certs = result.GetValue(Certs)!.FullName;
        var partner = result.GetValue(Partner);
        var certificate = result.GetValue(Certificate)?.FullName ?? (partner is null ? null : Path.Combine(certs, $"{partner}.crt"));
        var key = result.GetValue(Key)?.FullName ?? (partner is null ? null : Path.Combine(certs, $"{partner}.key"));
        if (certificate is null || key is null)
        {
            throw new ArgumentException("Name the partner: --partner <id>, or --cert and --key.");
        }

        var ca = result.GetValue(Ca)?.FullName ?? Path.Combine(certs, "ca.crt");
        return HubConnection.Open(
            new Uri(result.GetValue(Hub)!),
            X509Certificate2.CreateFromPemFile(certificate, key),
            X509Certificate2.CreateFromPem(File.ReadAllText(ca)),
            maxSendMessageBytes,
            problem => CertificateRefusal = problem,
            purpose: NullIfEmpty(result.GetValue(Purpose)),
            officer: NullIfEmpty(result.GetValue(Officer)));
    }
}
