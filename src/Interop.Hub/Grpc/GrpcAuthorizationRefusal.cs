using Interop.Hub.Partners;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Interop.Hub.Grpc;

/// <summary>
/// A call the authorization policies refuse is answered as gRPC, not as a bare HTTP 403 (which a
/// client can only report as "Bad gRPC response"): PERMISSION_DENIED with a message naming the
/// partner's kind, the method and the partner kinds its policy admits, and the refusal is logged.
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
        var admitted = policyName is null ? null : PartnerAccess.KindsAdmittedBy(policyName);
        var message = kind is null
            ? $"The caller's certificate carries no partner identity; {method} is for partners of the hub."
            : $"A {PartnerIdentity.KindToken(kind.Value)} partner may not call {method}"
                + (admitted is null ? "." : $" (rule {policyName}: {string.Join(", ", admitted.Select(PartnerIdentity.KindToken))} only).");
        logger.LogInformation("Refused {Method} for {Partner}: rule {Policy}", method, partner, policyName ?? "(fallback)");

        // A trailers-only gRPC response: HTTP 200 with the status in the headers.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = ((int)global::Grpc.Core.StatusCode.PermissionDenied).ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        await context.Response.CompleteAsync();
    }
}
