using Interop.Hub.Partners;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Interop.Hub.Grpc;

/// <summary>
/// A call the authorization policies refuse is answered as gRPC, not as a bare HTTP 403 (which a
/// client can only report as "Bad gRPC response"): PERMISSION_DENIED with a message naming the
/// method and the scope it needs that the partner does not hold, and the refusal is logged.
/// Anything that is not a gRPC call keeps ASP.NET Core's default handling.
/// </summary>
internal sealed class GrpcAuthorizationRefusal(ILogger<GrpcAuthorizationRefusal> logger) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler fallback = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
        {
            await fallback.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var method = context.Request.Path.Value ?? string.Empty;
        var partner = context.User.Identity?.Name ?? "an unidentified caller";
        var kind = PartnerAccess.KindOf(context.User);
        var policyName = context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(data => data.Policy).LastOrDefault(name => name is not null);
        var message = kind is null
            ? $"The caller's certificate carries no partner identity the directory admits; {method} is for partners of the hub."
            : policyName is not null && policyName != PartnerAccess.AnyPartner
                ? $"{method} needs scope {policyName}, which partner {partner} ({PartnerIdentity.KindToken(kind.Value)}) does not hold"
                    + (Scopes.HeldBy(kind.Value).Contains(policyName) ? "; the registry steward can grant it." : $"; a {PartnerIdentity.KindToken(kind.Value)} partner never holds it.")
                : $"Partner {partner} may not call {method}.";
        logger.LogInformation("Refused {Method} for {Partner}: rule {Policy}", method, partner, policyName ?? "(fallback)");

        var refusal = new Google.Rpc.Status { Code = (int)Google.Rpc.Code.PermissionDenied, Message = message };
        if (kind is not null && policyName is not null && policyName != PartnerAccess.AnyPartner)
        {
            refusal.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(new Google.Rpc.ErrorInfo { Reason = "MISSING_SCOPE", Domain = "interop.hub", Metadata = { ["scope"] = policyName } }));
        }

        await EarlyRefusal.WriteAsync(context, refusal);
    }
}
