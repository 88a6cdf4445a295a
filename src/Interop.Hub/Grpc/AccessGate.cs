using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Interop.Hub.Partners;
using Interop.Hub.Partners.Directory;

namespace Interop.Hub.Grpc;

/// <summary>
/// Every call, before anything else runs: a revoked certificate is refused (UNAUTHENTICATED); the
/// partner the certificate names must be in the directory with that certificate bound
/// (UNAUTHENTICATED otherwise) and active (PERMISSION_DENIED, PARTNER_SUSPENDED, when suspended);
/// the call then runs as the directory's partner, with its kind, areas and scopes. When a new
/// revocation list is taken or the directory changes, calls still open (a change feed, an ingest
/// stream) that would no longer be let in are aborted.
/// </summary>
internal sealed class AccessGate
{
    private readonly RevokedCertificates revoked;
    private readonly PartnerDirectory directory;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<HttpContext, (X509Certificate2 Certificate, PartnerIdentity Named, string Thumbprint)> open = new();

    public AccessGate(RevokedCertificates revoked, PartnerDirectory directory, ILogger<AccessGate> logger)
    {
        this.revoked = revoked;
        this.directory = directory;
        this.logger = logger;
        revoked.Changed += AbortThoseNoLongerAdmitted;
        directory.Changed += AbortThoseNoLongerAdmitted;
    }

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (http.Connection.ClientCertificate is not { } presented || PartnerAccess.NamedBy(http.User) is not { } named)
        {
            // Refused by the authorization policies: no partner without a certificate that names one.
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

        var thumbprint = PartnerCertificates.Thumbprint(presented);
        switch (directory.Admit(named, thumbprint))
        {
            case Admission.Admitted admitted:
                http.User = PartnerAccess.Admitted(admitted.Partner, http.User.Identity?.AuthenticationType ?? "Certificate");
                break;
            case Admission.Unknown unknown:
                await EarlyRefusal.WriteAsync(http, Refusal(Google.Rpc.Code.Unauthenticated, unknown.Reason, "PARTNER_NOT_REGISTERED"));
                return;
            case Admission.Suspended suspended:
                await EarlyRefusal.WriteAsync(http, Refusal(
                    Google.Rpc.Code.PermissionDenied,
                    $"Partner {suspended.PartnerId} is suspended by the registry steward; every call is refused until it is reinstated.",
                    "PARTNER_SUSPENDED"));
                return;
            default:
                await EarlyRefusal.WriteAsync(http, new Google.Rpc.Status { Code = (int)Google.Rpc.Code.Unavailable, Message = "The hub is starting: its partner directory is not read yet; retry in a moment." });
                return;
        }

        open[http] = (presented, named, thumbprint);
        try
        {
            await next(http);
        }
        finally
        {
            open.TryRemove(http, out _);
        }
    }

    private static Google.Rpc.Status Refusal(Google.Rpc.Code code, string message, string reason) =>
        new()
        {
            Code = (int)code,
            Message = message,
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(new Google.Rpc.ErrorInfo { Reason = reason, Domain = "interop.hub" }) },
        };

    private void AbortThoseNoLongerAdmitted()
    {
        foreach (var (http, call) in open)
        {
            if (revoked.IsRevoked(call.Certificate))
            {
                logger.LogWarning("Aborted an open {Method} call: its client certificate (serial {Serial}) was revoked", http.Request.Path.Value, call.Certificate.SerialNumber);
                http.Abort();
            }
            else if (directory.Admit(call.Named, call.Thumbprint) is not Admission.Admitted admitted || admitted.Partner.PartnerId != call.Named.PartnerId)
            {
                logger.LogWarning("Aborted an open {Method} call of partner {PartnerId}: the directory no longer lets it in (suspended, or its certificate unbound)", http.Request.Path.Value, call.Named.PartnerId);
                http.Abort();
            }
        }
    }
}
