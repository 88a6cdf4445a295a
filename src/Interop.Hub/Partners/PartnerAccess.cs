using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication.Certificate;

namespace Interop.Hub.Partners;

/// <summary>
/// Turns a partner's client certificate into the caller's identity and says, declaratively, which
/// partner kinds may call what. Every call needs an authenticated partner (deny by default);
/// each RPC names its policy, and a test fails for one that does not.
/// </summary>
internal static class PartnerAccess
{
    public const string ProposeHouseholds = "registry.propose";
    public const string ReadRegistry = "registry.read";
    public const string ChangeHouseholds = "registry.change";
    public const string ResolveConflicts = "registry.resolve";
    public const string ReconcileIdentities = "registry.reconcile";
    public const string AnyPartner = "partner";

    /// <summary>Which partner kinds each policy admits; the policies are built from this, and refusals quote it.</summary>
    private static readonly Dictionary<string, PartnerKind[]> Admitted = new()
    {
        [AnyPartner] = [.. Enum.GetValues<PartnerKind>().Where(kind => kind != PartnerKind.Unspecified)],
        [ProposeHouseholds] = [PartnerKind.Steward, PartnerKind.LocalGovernment],
        // Which kind may take which step is decided per step (ChangeRules); banks and auditors never change households.
        [ChangeHouseholds] = [PartnerKind.Steward, PartnerKind.LocalGovernment, PartnerKind.CivilRegistry],
        [ResolveConflicts] = [PartnerKind.Steward],
        [ReconcileIdentities] = [PartnerKind.CivilRegistry],
        [ReadRegistry] = [PartnerKind.Steward, PartnerKind.LocalGovernment, PartnerKind.CivilRegistry, PartnerKind.Auditor],
    };

    private const string PartnerIdClaim = "interop:partner_id";
    private const string PartnerKindClaim = "interop:partner_kind";
    private const string AreaClaim = "interop:area";

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
                        var identity = PartnerIdentity.FromCertificate(context.ClientCertificate);
                        if (identity is null)
                        {
                            context.Fail("The certificate carries no partner identity.");
                            return Task.CompletedTask;
                        }

                        context.Principal = ToPrincipal(identity, context.Scheme.Name);
                        context.Success();
                        return Task.CompletedTask;
                    },
                };
            })
            .AddCertificateCache();

        var authorization = services.AddAuthorizationBuilder().SetFallbackPolicy(PartnerPolicy(Admitted[AnyPartner]));
        foreach (var (name, kinds) in Admitted)
        {
            authorization.AddPolicy(name, PartnerPolicy(kinds));
        }

        // A refusal is a gRPC status that names the rule, not a bare HTTP 403.
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, Grpc.GrpcAuthorizationRefusal>();
        return services;
    }

    /// <summary>The partner kinds a policy admits, or null for a name that is no policy of the hub.</summary>
    public static IReadOnlyList<PartnerKind>? KindsAdmittedBy(string policy) => Admitted.GetValueOrDefault(policy);

    /// <summary>The kind of partner the caller's certificate names, if it names one.</summary>
    public static PartnerKind? KindOf(ClaimsPrincipal user) =>
        Enum.TryParse<PartnerKind>(user.FindFirstValue(PartnerKindClaim), out var kind) ? kind : null;

    /// <summary>The partner id the caller's certificate names, if it names one.</summary>
    public static string? PartnerIdOf(ClaimsPrincipal user) => user.FindFirstValue(PartnerIdClaim);

    /// <summary>The partner making this call; the authorization policies guarantee there is one.</summary>
    public static PartnerIdentity Partner(this ServerCallContext context)
    {
        var user = context.GetHttpContext().User;
        var id = user.FindFirstValue(PartnerIdClaim) ?? throw new InvalidOperationException("Call reached a service without an authenticated partner.");
        var kind = Enum.Parse<PartnerKind>(user.FindFirstValue(PartnerKindClaim)!);
        return new PartnerIdentity(id, kind, user.FindFirstValue(AreaClaim));
    }

    private static Microsoft.AspNetCore.Authorization.AuthorizationPolicy PartnerPolicy(IEnumerable<PartnerKind> kinds) =>
        new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(CertificateAuthenticationDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .RequireClaim(PartnerIdClaim)
            .RequireClaim(PartnerKindClaim, kinds.Where(kind => kind != PartnerKind.Unspecified).Select(kind => kind.ToString()))
            .Build();

    private static ClaimsPrincipal ToPrincipal(PartnerIdentity identity, string scheme)
    {
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, identity.PartnerId),
            new(ClaimTypes.Name, identity.PartnerId),
            new(PartnerIdClaim, identity.PartnerId),
            new(PartnerKindClaim, identity.Kind.ToString()),
        ];
        if (identity.AreaCode is { } area)
        {
            claims.Add(new(AreaClaim, area));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }
}
