using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace Interop.Cli;

/// <summary>
/// A gRPC channel to the hub over mutual TLS: presents the partner's certificate and trusts only
/// the given CA for the hub's own certificate (never the operating system's store).
/// </summary>
public static class HubConnection
{
    public static GrpcChannel Open(Uri hub, X509Certificate2? clientCertificate, X509Certificate2 trustedCa, int maxSendMessageBytes = 4 * 1024 * 1024)
    {
        var handler = new SocketsHttpHandler
        {
            // Many concurrent calls (the benchmark's readers) need more than one HTTP/2 connection.
            EnableMultipleHttp2Connections = true,
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
                RemoteCertificateValidationCallback = (_, certificate, _, _) => IsIssuedBy(certificate, trustedCa),
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
