using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace Interop.Cli;

/// <summary>
/// A gRPC channel to the hub over mutual TLS: presents the partner's certificate and accepts the
/// hub's only when the given CA issued it (never the operating system's store) and it names the
/// host the address names (a certificate of another host of the same CA is refused).
/// </summary>
public static class HubConnection
{
    /// <param name="refused">Told why the hub's certificate was refused, for a message the partner can act on.</param>
    public static GrpcChannel Open(
        Uri hub, X509Certificate2? clientCertificate, X509Certificate2 trustedCa, int maxSendMessageBytes = 4 * 1024 * 1024, Action<string>? refused = null)
    {
        var handler = new SocketsHttpHandler
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
        return GrpcChannel.ForAddress(hub, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxSendMessageSize = maxSendMessageBytes,
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        });
    }

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
