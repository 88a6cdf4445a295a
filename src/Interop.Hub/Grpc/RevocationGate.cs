using System.Collections.Concurrent;
using Interop.Hub.Partners;

namespace Interop.Hub.Grpc;

/// <summary>
/// Revocation on every call, and on calls already open: a call whose client certificate is revoked
/// is refused (UNAUTHENTICATED, as a gRPC status), and when a new revocation list is taken, calls
/// still open with a certificate it revokes (a change feed, an ingest stream) are aborted.
/// </summary>
internal sealed class RevocationGate
{
    private readonly RevokedCertificates revoked;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<HttpContext, System.Security.Cryptography.X509Certificates.X509Certificate2> open = new();

    public RevocationGate(RevokedCertificates revoked, ILogger<RevocationGate> logger)
    {
        this.revoked = revoked;
        this.logger = logger;
        revoked.Changed += AbortRevoked;
    }

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (http.Connection.ClientCertificate is not { } presented)
        {
            await next(http);
            return;
        }

        if (revoked.IsRevoked(presented))
        {
            await EarlyRefusal.WriteAsync(http, new Google.Rpc.Status
            {
                Code = (int)Google.Rpc.Code.Unauthenticated,
                Message = "The client certificate has been revoked by the partner CA; ask it for a new one.",
            });
            return;
        }

        open[http] = presented;
        try
        {
            await next(http);
        }
        finally
        {
            open.TryRemove(http, out _);
        }
    }

    private void AbortRevoked()
    {
        foreach (var (http, certificate) in open)
        {
            if (revoked.IsRevoked(certificate))
            {
                logger.LogWarning("Aborted an open {Method} call: its client certificate (serial {Serial}) was revoked", http.Request.Path.Value, certificate.SerialNumber);
                http.Abort();
            }
        }
    }
}
