using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Interop.Hub.Partners.Directory;
using Microsoft.AspNetCore.Authentication.Certificate;

namespace Interop.Hub.Partners;

/// <summary>
/// Who calls, and what it may call. The TLS handshake and the certificate handler establish which
/// partner the certificate names; the access gate (<see cref="Grpc.AccessGate"/>) lets the call in
/// only as a partner the directory holds, active, with that certificate bound, and gives the call
/// the directory's kind, areas and scopes. Every RPC names the scope it needs (deny by default; a
/// test fails for one that does not); a call without it is refused with PERMISSION_DENIED naming it.
/// </summary>
internal static class PartnerAccess
{
    public const string ProposeHouseholds = Scopes.RegistryWrite;
    public const string ReadRegistry = Scopes.RegistryRead;
    public const string ChangeHouseholds = Scopes.RegistryWrite;
    public const string ResolveConflicts = Scopes.RegistrySteward;
    public const string ReconcileIdentities = Scopes.CivilVerify;
    public const string AdministerPartners = Scopes.PartnersAdmin;
    public const string ReadAccessLog = Scopes.AuditRead;
    public const string IssueDisbursements = Scopes.DisbursementIssue;
    public const string ConfirmDisbursements = Scopes.DisbursementConfirm;

    /// <summary>Any partner the directory admits, whatever its scopes (the hub's own service, health).</summary>
    public const string AnyPartner = "partner";

    private const string CertificatePartnerClaim = "interop:certificate_partner";
    private const string CertificateKindClaim = "interop:certificate_kind";
    private const string PartnerIdClaim = "interop:partner_id";
    private const string PartnerKindClaim = "interop:partner_kind";
    private const string AreaClaim = "interop:area";
    private const string ScopeClaim = "interop:scope";
    private const string OfficerClaim = "interop:officer";
    private const string CertificateClaim = "interop:certificate";
    private const string CorrelationClaim = "interop:correlation";

    public static IServiceCollection AddPartnerAccess(this IServiceCollection services, PartnerCertificates certificates)
    {
        services.AddSingleton(certificates);
        services.AddAuthentication(CertificateAuthenticationDefaults.AuthenticationScheme)
            .AddCertificate(options =>
            {
                options.AllowedCertificateTypes = CertificateTypes.Chained;
                options.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
                options.CustomTrustStore = [.. certificates.PartnerCas];
                options.RevocationMode = X509RevocationMode.NoCheck;
                options.ValidateCertificateUse = true;
                options.ValidateValidityPeriod = true;
                options.Events = new CertificateAuthenticationEvents
                {
                    OnCertificateValidated = context =>
                    {
                        if (PartnerIdentity.FromCertificate(context.ClientCertificate) is not { } named)
                        {
                            context.Fail("The certificate carries no partner identity.");
                            return Task.CompletedTask;
                        }

                        // What the certificate names; the access gate turns it into the directory's partner on every call.
                        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(
                            [new(CertificatePartnerClaim, named.PartnerId), new(CertificateKindClaim, named.Kind.ToString())], context.Scheme.Name));
                        context.Success();
                        return Task.CompletedTask;
                    },
                };
            })
            .AddCertificateCache();

        var authorization = services.AddAuthorizationBuilder().SetFallbackPolicy(Admitted([]));
        authorization.AddPolicy(AnyPartner, Admitted([]));
        foreach (var scope in Scopes.All)
        {
            authorization.AddPolicy(scope, Admitted([scope]));
        }

        // A refusal is a gRPC status that names the rule, not a bare HTTP 403.
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, Grpc.GrpcAuthorizationRefusal>();
        return services;
    }

    /// <summary>True for a policy name of the hub: a scope, or <see cref="AnyPartner"/>.</summary>
    public static bool IsPolicy(string policy) => policy == AnyPartner || Scopes.All.Contains(policy);

    /// <summary>The partner the certificate of the call names, before the directory is asked.</summary>
    public static PartnerIdentity? NamedBy(ClaimsPrincipal certificateUser) =>
        certificateUser.FindFirstValue(CertificatePartnerClaim) is { } id && Enum.TryParse<PartnerKind>(certificateUser.FindFirstValue(CertificateKindClaim), out var kind)
            ? new PartnerIdentity(id, kind, null)
            : null;

    /// <summary>
    /// The call's user once the directory admitted it: the directory's partner, its areas, and its
    /// scopes (never beyond what its kind may hold, and, with a token, only those the token carries).
    /// </summary>
    public static ClaimsPrincipal Admitted(Partner partner, string scheme, IEnumerable<string>? tokenScopes = null, string? officerId = null, string? certificate = null, string? correlationId = null)
    {
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, partner.PartnerId),
            new(ClaimTypes.Name, partner.PartnerId),
            new(PartnerIdClaim, partner.PartnerId),
            new(PartnerKindClaim, partner.Kind.ToString()),
        ];
        claims.AddRange(partner.Areas.Select(area => new Claim(AreaClaim, area)));
        if (officerId is not null)
        {
            claims.Add(new(OfficerClaim, officerId));
        }

        if (certificate is not null)
        {
            claims.Add(new(CertificateClaim, certificate));
        }

        if (correlationId is not null)
        {
            claims.Add(new(CorrelationClaim, correlationId));
        }

        // Never beyond what the kind may hold, whatever a record says.
        var scopes = partner.Scopes.Intersect(Scopes.HeldBy(partner.Kind));
        claims.AddRange((tokenScopes is null ? scopes : scopes.Intersect(tokenScopes)).Select(scope => new Claim(ScopeClaim, scope)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    /// <summary>The kind of the admitted partner, if the call was admitted.</summary>
    public static PartnerKind? KindOf(ClaimsPrincipal user) =>
        Enum.TryParse<PartnerKind>(user.FindFirstValue(PartnerKindClaim), out var kind) ? kind : null;

    /// <summary>The admitted partner's id, if the call was admitted.</summary>
    public static string? PartnerIdOf(ClaimsPrincipal user) => user.FindFirstValue(PartnerIdClaim);

    /// <summary>The officer the admitted call named, if any.</summary>
    public static string? OfficerOf(ClaimsPrincipal user) => user.FindFirstValue(OfficerClaim);

    /// <summary>The scopes the admitted partner holds.</summary>
    public static IReadOnlyList<string> ScopesOf(ClaimsPrincipal user) => [.. user.FindAll(ScopeClaim).Select(claim => claim.Value)];

    /// <summary>The partner making this call; the authorization policies guarantee the directory admitted one.</summary>
    public static CallingPartner Partner(this ServerCallContext context)
    {
        var user = context.GetHttpContext().User;
        var id = user.FindFirstValue(PartnerIdClaim) ?? throw new InvalidOperationException("Call reached a service without an admitted partner.");
        var kind = Enum.Parse<PartnerKind>(user.FindFirstValue(PartnerKindClaim)!);
        return new CallingPartner(id, kind, [.. user.FindAll(AreaClaim).Select(claim => claim.Value)], ScopesOf(user), user.FindFirstValue(OfficerClaim))
        {
            Certificate = user.FindFirstValue(CertificateClaim),
            CorrelationId = user.FindFirstValue(CorrelationClaim),
        };
    }

    private static Microsoft.AspNetCore.Authorization.AuthorizationPolicy Admitted(IEnumerable<string> scopes)
    {
        // No authentication scheme named: the policy judges the user the access gate set, never one authenticated again.
        var policy = new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder()
            .RequireAuthenticatedUser()
            .RequireClaim(PartnerIdClaim);
        foreach (var scope in scopes)
        {
            policy.RequireClaim(ScopeClaim, scope);
        }

        return policy.Build();
    }
}
