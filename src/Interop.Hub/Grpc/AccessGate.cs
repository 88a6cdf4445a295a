using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;
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
/// stream) whose certificate is revoked or whose partner's record changed are aborted.
/// </summary>
internal sealed class AccessGate
{
    private readonly RevokedCertificates revoked;
    private readonly PartnerDirectory directory;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<HttpContext, OpenCall> open = new();

    private readonly bool requireTokens;

    /// <summary>
    /// Tokens already validated, by the token and the certificate it came with, until the token
    /// expires. A partner's channel sends the same token on every call; its signature, audience,
    /// subject and certificate binding do not change, so they are checked once (that check cost
    /// three quarters of a trivial call's time). Whether the partner may still call is the
    /// directory's, asked on every call regardless.
    /// </summary>
    private readonly ConcurrentDictionary<(string Token, string Thumbprint), (IReadOnlyList<string> Scopes, DateTimeOffset Expires)> validated = new();

    private const int MaxValidated = 10_000;

    public AccessGate(RevokedCertificates revoked, PartnerDirectory directory, bool requireTokens, ILogger<AccessGate> logger)
    {
        this.revoked = revoked;
        this.directory = directory;
        this.requireTokens = requireTokens;
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
        // Listed before the directory is asked, so that a change read meanwhile is checked against this call too.
        var call = new OpenCall(presented, named, thumbprint) { Note = http.Features.Get<AccessRecording.CallNote>() };
        open[http] = call;
        try
        {
            switch (directory.Admit(named, thumbprint))
            {
                case Admission.Admitted admitted:
                    IEnumerable<string>? tokenScopes = null;
                    if (requireTokens)
                    {
                        var token = await BearerTokenAsync(http, named, thumbprint);
                        if (token.Refusal is { } refusal)
                        {
                            await EarlyRefusal.WriteAsync(http, refusal);
                            return;
                        }

                        tokenScopes = token.Scopes;
                    }

                    var (officerId, officerIssue) = CallMetadata.OfficerOf(http);
                    var (correlationId, correlationIssue) = CallMetadata.CorrelationOf(http);
                    if (officerIssue is not null || correlationIssue is not null)
                    {
                        await EarlyRefusal.WriteAsync(http, Mapping.Refusals.InvalidArgument("The call's metadata is refused.", [.. new[] { officerIssue, correlationIssue }.OfType<Registry.ProposeHousehold.FieldIssue>()]));
                        return;
                    }

                    // The partner's own id for the call, or one the hub makes (never the call's trace id: a partner
                    // sets that with traceparent, unchecked, and it would be stored in every event); answered either way.
                    correlationId ??= Guid.NewGuid().ToString("N");
                    http.Response.Headers[CallMetadata.CorrelationKey] = correlationId;
                    call.AdmittedVersion = admitted.Partner.Version;
                    http.User = PartnerAccess.Admitted(admitted.Partner, http.User.Identity?.AuthenticationType ?? "Certificate", tokenScopes, officerId, thumbprint, correlationId);
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

            // A change to the record read meanwhile (between the listing and the admission) ends the call at once.
            if (directory.Admit(named, thumbprint) is not Admission.Admitted { Partner.Version: var version } || version != call.AdmittedVersion)
            {
                call.Note?.Aborted("the partner's record in the directory changed as the call was let in");
                http.Abort();
                return;
            }

            await next(http);
        }
        finally
        {
            // Ended under the call's lock: an abort decided meanwhile either comes first or finds it ended (the context is reused for later streams).
            lock (call)
            {
                call.Ended = true;
            }

            open.TryRemove(http, out _);
        }
    }

    /// <summary>
    /// The call's access token: issued by this hub's token server, unexpired, for the hub, to the
    /// partner the certificate names, and bound to this very certificate (OpenIddict checks
    /// <c>cnf</c> / <c>x5t#S256</c> against the connection's certificate); its scopes, or why not.
    /// </summary>
    private async Task<(IReadOnlyList<string>? Scopes, Google.Rpc.Status? Refusal)> BearerTokenAsync(HttpContext http, PartnerIdentity named, string thumbprint)
    {
        var bearer = http.Request.Headers.Authorization.FirstOrDefault(value => value?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true);
        if (bearer is not null && validated.TryGetValue((bearer, thumbprint), out var known))
        {
            if (DateTimeOffset.UtcNow < known.Expires)
            {
                return (known.Scopes, null);
            }

            validated.TryRemove((bearer, thumbprint), out _);
        }

        if (bearer is null)
        {
            return (null, Refusal(
                Google.Rpc.Code.Unauthenticated,
                $"Every call needs an access token (authorization: Bearer ...): obtain one from the hub's token endpoint /{Partners.Tokens.TokenServer.TokenPath} with grant_type=client_credentials and client_id={named.PartnerId}, over a connection presenting this certificate.",
                "ACCESS_TOKEN_MISSING"));
        }

        var result = await http.AuthenticateAsync(Partners.Tokens.TokenServer.Scheme);
        if (!result.Succeeded || result.Principal is not { } principal)
        {
            var why = result.Properties?.Items.TryGetValue(".error_description", out var description) == true ? description : result.Failure?.Message;
            return (null, Refusal(
                Google.Rpc.Code.Unauthenticated,
                $"The access token was refused ({why ?? "invalid"}): it must be one of this hub's, unexpired, and presented with the certificate it was issued to; obtain a new one.",
                "ACCESS_TOKEN_INVALID"));
        }

        // Every token this hub issues is bound to a certificate; one that is not (signed by a key shared with anything else) is no token of its.
        if (OpenIddict.Abstractions.OpenIddictExtensions.GetClaim(principal, OpenIddict.Abstractions.OpenIddictConstants.Claims.Confirmation) is null)
        {
            return (null, Refusal(Google.Rpc.Code.Unauthenticated, "The access token is not bound to a certificate; obtain one from this hub's token endpoint.", "ACCESS_TOKEN_INVALID"));
        }

        if (OpenIddict.Abstractions.OpenIddictExtensions.GetClaim(principal, OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject) != named.PartnerId)
        {
            return (null, Refusal(Google.Rpc.Code.Unauthenticated, $"The access token was issued to another partner than {named.PartnerId}.", "ACCESS_TOKEN_INVALID"));
        }

        IReadOnlyList<string> scopes = [.. OpenIddict.Abstractions.OpenIddictExtensions.GetScopes(principal)];
        if (OpenIddict.Abstractions.OpenIddictExtensions.GetExpirationDate(principal) is { } expires)
        {
            if (validated.Count >= MaxValidated)
            {
                validated.Clear();
            }

            validated[(bearer, thumbprint)] = (scopes, expires);
        }

        return (scopes, null);
    }

    private static Google.Rpc.Status Refusal(Google.Rpc.Code code, string message, string reason) =>
        new()
        {
            Code = (int)code,
            Message = message,
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(new Google.Rpc.ErrorInfo { Reason = reason, Domain = "interop.hub" }) },
        };

    /// <summary>
    /// Ends every open call whose certificate is now revoked, or whose partner's record changed since
    /// the call was let in: suspended, a certificate unbound, and also scopes or areas changed, which
    /// the call read once at its start (a change feed must not go on with the areas of yesterday).
    /// </summary>
    private void AbortThoseNoLongerAdmitted()
    {
        foreach (var (http, call) in open)
        {
            lock (call)
            {
                if (!call.Ended)
                {
                    AbortIfNoLongerAdmitted(http, call);
                }
            }
        }
    }

    private void AbortIfNoLongerAdmitted(HttpContext http, OpenCall call)
    {
        try
        {
            if (revoked.IsRevoked(call.Certificate))
            {
                logger.LogWarning("Aborted an open {Method} call: its client certificate (serial {Serial}) was revoked", http.Request.Path.Value, call.Certificate.SerialNumber);
                call.Note?.Aborted("the call's client certificate was revoked while it was open");
                http.Abort();
            }
            else if (call.AdmittedVersion is { } admitted
                && (directory.Admit(call.Named, call.Thumbprint) is not Admission.Admitted now || now.Partner.Version != admitted))
            {
                logger.LogWarning(
                    "Aborted an open {Method} call of partner {PartnerId}: its record in the directory changed (suspended, a certificate unbound, scopes or areas changed); it calls again under the new record",
                    http.Request.Path.Value,
                    call.Named.PartnerId);
                call.Note?.Aborted("the partner's record in the directory changed while the call was open (suspended, a certificate unbound, scopes or areas changed)");
                http.Abort();
            }
        }
        catch (Exception exception) when (exception is ObjectDisposedException or InvalidOperationException)
        {
            // The call ended meanwhile.
        }
    }

    /// <summary>A call in progress: its certificate, the partner it names, and the version of the partner's record it was let in under.</summary>
    private sealed class OpenCall(X509Certificate2 certificate, PartnerIdentity named, string thumbprint)
    {
        public X509Certificate2 Certificate { get; } = certificate;

        public PartnerIdentity Named { get; } = named;

        public string Thumbprint { get; } = thumbprint;

        public long? AdmittedVersion { get; set; }

        /// <summary>Set (under the call's lock) when the call has left the gate.</summary>
        public bool Ended { get; set; }

        /// <summary>Where the access log learns why the hub aborted the call.</summary>
        public AccessRecording.CallNote? Note { get; init; }
    }
}
