using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace Interop.Cli;

/// <summary>
/// A gRPC channel to the hub over mutual TLS: presents the partner's certificate and accepts the
/// hub's only when the given CA issued it (never the operating system's store) and it names the
/// host the address names (a certificate of another host of the same CA is refused). Every call
/// carries an access token bound to the certificate (<see cref="PartnerTokens"/>).
/// </summary>
public static class HubConnection
{
    /// <param name="refused">Told why the hub's certificate was refused, for a message the partner can act on.</param>
    /// <param name="accessTokens">Obtain access tokens from the hub's token endpoint with the certificate and put one on every call (the hub requires them).</param>
    public static GrpcChannel Open(
        Uri hub,
        X509Certificate2? clientCertificate,
        X509Certificate2 trustedCa,
        int maxSendMessageBytes = 4 * 1024 * 1024,
        Action<string>? refused = null,
        bool accessTokens = true,
        string? purpose = null,
        string? officer = null)
    {
        // One handler, one pool of connections, for the calls and the token requests alike; the channel
        // owns it (an HttpClient rather than a handler, so that gRPC does not tie it to a load balancer),
        // and disposing the channel closes them all.
        var handler = Handler(hub, clientCertificate, trustedCa, refused);
        var options = new GrpcChannelOptions
        {
            // No overall timeout: feeds and ingest streams run for as long as they need (deadlines are per call).
            HttpClient = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan },
            DisposeHttpClient = true,
            MaxSendMessageSize = maxSendMessageBytes,
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        };
        var credentials = new List<Grpc.Core.CallCredentials>();
        if (accessTokens && clientCertificate is not null && PartnerTokens.PartnerIdOf(clientCertificate) is { } partnerId)
        {
            credentials.Add(new PartnerTokens(handler, hub, partnerId, ownsHandler: false).Credentials());
        }

        if (purpose is not null || officer is not null)
        {
            // Said on every call: why it reads (x-interop-purpose) and who acts (x-interop-officer); docs/partners.md.
            credentials.Add(Grpc.Core.CallCredentials.FromInterceptor((_, metadata) =>
            {
                if (purpose is not null)
                {
                    metadata.Add(PurposeHeader, purpose);
                }

                if (officer is not null)
                {
                    metadata.Add(OfficerHeader, officer);
                }

                return Task.CompletedTask;
            }));
        }

        if (credentials.Count > 0)
        {
            options.Credentials = Grpc.Core.ChannelCredentials.Create(
                Grpc.Core.ChannelCredentials.SecureSsl, credentials.Count == 1 ? credentials[0] : Grpc.Core.CallCredentials.Compose([.. credentials]));
        }

        return GrpcChannel.ForAddress(hub, options);
    }

    /// <summary>The metadata a call names its purpose under.</summary>
    public const string PurposeHeader = "x-interop-purpose";

    /// <summary>The metadata a call names the acting officer under.</summary>
    public const string OfficerHeader = "x-interop-officer";

    /// <summary>The partner's token client for the hub, over a connection of its own with the same certificate and checks.</summary>
    public static PartnerTokens Tokens(Uri hub, X509Certificate2 clientCertificate, X509Certificate2 trustedCa, string? scope = null, string? clientId = null) =>
        new(Handler(hub, clientCertificate, trustedCa, null), hub, clientId ?? PartnerTokens.PartnerIdOf(clientCertificate) ?? string.Empty, scope);

    /// <summary>HTTP settings that present the partner certificate and accept only the hub's.</summary>
    public static SocketsHttpHandler Handler(Uri hub, X509Certificate2? clientCertificate, X509Certificate2 trustedCa, Action<string>? refused) =>
        new()
        {
            // Many concurrent calls (the benchmark's readers) need more than one HTTP/2 connection.
            EnableMultipleHttp2Connections = true,
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    // The chain is judged against the given CA below; the operating system's verdict on it is not wanted.
                    var problem = (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0 ? "the hub presented no certificate"
                        : (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 ? $"the hub's certificate does not name the host {hub.Host}"
                        : !IsIssuedBy(certificate, trustedCa) ? "the hub's certificate was not issued by the given CA"
                        : null;
                    if (problem is not null)
                    {
                        refused?.Invoke(problem);
                    }

                    return problem is null;
                },
            },
        };

    private static bool IsIssuedBy(X509Certificate? certificate, X509Certificate2 trustedCa)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trustedCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }
}
