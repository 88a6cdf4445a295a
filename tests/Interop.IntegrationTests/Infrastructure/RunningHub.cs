using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Interop.Cli;
using Interop.Contracts.Registry.V1;
using Interop.Hub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>
/// The real hub, composed exactly as Program.cs composes it, listening on a free loopback port
/// with real TLS; clients reach it over real sockets with real client certificates.
/// </summary>
public sealed class RunningHub : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly X509Certificate2 trustedCa;
    private readonly List<GrpcChannel> channels = [];

    private RunningHub(WebApplication app, Uri address, X509Certificate2 trustedCa)
    {
        this.app = app;
        this.trustedCa = trustedCa;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Starts a hub on the given database (the production path).</summary>
    public static Task<RunningHub> StartAsync(TestPki pki, string connectionString) =>
        StartAsync(pki.CaPath, pki.ServerCertificatePath, pki.ServerKeyPath, pki.Ca, new() { ["ConnectionStrings:Registry"] = connectionString });

    /// <summary>Starts a hub with its own embedded PostgreSQL in the given data folder (the development default).</summary>
    public static Task<RunningHub> StartEmbeddedAsync(TestPki pki, string dataDirectory) =>
        StartAsync(pki.CaPath, pki.ServerCertificatePath, pki.ServerKeyPath, pki.Ca, new()
        {
            ["ConnectionStrings:Registry"] = string.Empty,
            ["Hub:EmbeddedPostgres"] = "true",
            ["Hub:DataDirectory"] = dataDirectory,
            ["Hub:PostgresBinDirectory"] = PostgresCluster.BinDirectory,
        });

    public static async Task<RunningHub> StartAsync(
        string caPath, string serverCertificatePath, string serverKeyPath, X509Certificate2 trustedCa, Dictionary<string, string?> settings)
    {
        settings["Hub:Port"] = "0";
        // Stories call as fast as they can from one partner; fair use is tested on its own (FairUseTests).
        settings.TryAdd("Hub:PartnerCallsPerSecond", "0");
        settings.TryAdd("Hub:PartnerConcurrentCalls", "0");
        // Each channel of a story asks for its own token; the token endpoint's guard is tested on its own (AccessTokenTests).
        settings.TryAdd("Hub:TokenRequestsPerSecond", "1000");
        // The test PKI's demo partners are in the directory of every hub (TestPki writes the seed beside its certificates).
        settings.TryAdd("Hub:PartnerSeed", TestPki.SeedIn(Path.GetDirectoryName(serverCertificatePath)!));
        if (File.Exists(TestPki.AuditKeyIn(Path.GetDirectoryName(serverCertificatePath)!)))
        {
            settings.TryAdd("Hub:AuditSigningKey", TestPki.AuditKeyIn(Path.GetDirectoryName(serverCertificatePath)!));
        }
        settings["Hub:PartnerCa"] = caPath;
        settings["Hub:ServerCertificate"] = serverCertificatePath;
        settings["Hub:ServerKey"] = serverKeyPath;
        settings["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("INTEROP_TEST_LOG_LEVEL") ?? "Warning";
        var app = await HubHost.BuildAsync([], settings);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new RunningHub(app, new Uri(address), trustedCa);
    }

    /// <summary>
    /// A channel that presents the given client certificate (or none) and trusts only the test CA for
    /// the server, as the CLI connects. Its calls name <paramref name="purpose"/>, by default the
    /// story purpose of the certificate's kind (<see cref="StoryPurposes"/>); "" names none.
    /// </summary>
    public GrpcChannel Channel(X509Certificate2? clientCertificate, bool accessTokens = true, string? purpose = null, string? officer = null)
    {
        var channel = HubConnection.Open(
            Address, clientCertificate, trustedCa, accessTokens: accessTokens, purpose: purpose is "" ? null : purpose ?? StoryPurposes.Of(clientCertificate), officer: officer);
        channels.Add(channel);
        return channel;
    }

    public RegistryService.RegistryServiceClient Registry(X509Certificate2? clientCertificate) => new(Channel(clientCertificate));

    public Interop.Contracts.Partners.V1.PartnerAdminService.PartnerAdminServiceClient PartnerAdmin(X509Certificate2? clientCertificate) => new(Channel(clientCertificate));

    /// <summary>
    /// Registers the partner a certificate names, as the steward does through the admin service: its
    /// kind and id from the certificate, the area the certificate names (if any), and every scope its
    /// kind may hold unless others are given. Returns the stored record.
    /// </summary>
    public async Task<Interop.Contracts.Partners.V1.Partner> RegisterAsync(X509Certificate2 steward, X509Certificate2 certificate, IEnumerable<string>? scopes = null)
    {
        var named = Interop.Hub.Partners.PartnerIdentity.FromCertificate(certificate) ?? throw new ArgumentException("The certificate names no partner.", nameof(certificate));
        var request = new Interop.Contracts.Partners.V1.RegisterPartnerRequest
        {
            PartnerId = named.PartnerId,
            Kind = (Interop.Contracts.Partners.V1.PartnerKind)(int)named.Kind,
            DisplayName = $"Test partner {named.PartnerId}",
            Scopes = { scopes ?? Interop.Hub.Partners.Scopes.HeldBy(named.Kind) },
            CertificatesPem = { certificate.ExportCertificatePem() },
            Reason = "Registered by the test",
        };
        if (named.AreaCode is { } area)
        {
            request.Areas.Add(area);
        }

        return (await PartnerAdmin(steward).RegisterPartnerAsync(request)).Partner;
    }

    /// <summary>Binds another certificate to the partner it names, as the steward does for a renewal.</summary>
    public async Task<Interop.Contracts.Partners.V1.Partner> BindAsync(X509Certificate2 steward, X509Certificate2 certificate)
    {
        var named = Interop.Hub.Partners.PartnerIdentity.FromCertificate(certificate) ?? throw new ArgumentException("The certificate names no partner.", nameof(certificate));
        var admin = PartnerAdmin(steward);
        var current = (await admin.GetPartnerAsync(new() { PartnerId = named.PartnerId })).Partner;
        return (await admin.BindPartnerCertificateAsync(new()
        {
            PartnerId = named.PartnerId,
            ExpectedVersion = current.Version,
            CertificatePem = certificate.ExportCertificatePem(),
            Reason = "Renewed certificate bound by the test",
        })).Partner;
    }

    /// <summary>Sets the areas a partner serves, as the steward does.</summary>
    public async Task<Interop.Contracts.Partners.V1.Partner> ChangeAreasAsync(X509Certificate2 steward, string partnerId, params string[] areas)
    {
        var admin = PartnerAdmin(steward);
        var current = (await admin.GetPartnerAsync(new() { PartnerId = partnerId })).Partner;
        return (await admin.ChangePartnerAreasAsync(new() { PartnerId = partnerId, ExpectedVersion = current.Version, Areas = { areas }, Reason = "Areas changed by the test" })).Partner;
    }

    /// <summary>Stops the hub as a shutdown signal does, with the story's channels still open.</summary>
    public Task StopAsync() => app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in channels)
        {
            channel.Dispose();
        }

        await app.StopAsync();
        await app.DisposeAsync();
    }
}
