using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using Interop.Hub.Partners.Directory;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Interop.Hub.Partners.Tokens;

/// <summary>
/// The token endpoint's two steps for a client_credentials request authenticated by the client
/// certificate: validate (the certificate, the directory and the scopes, <see cref="TokenGrant"/>),
/// then issue a token for the partner with the scopes granted. OpenIddict binds the token to the
/// certificate (<c>cnf</c>, <c>x5t#S256</c>).
/// </summary>
internal sealed class PartnerTokenRequests(PartnerDirectory directory, RevokedCertificates revoked) :
    IOpenIddictServerHandler<OpenIddictServerEvents.ValidateTokenRequestContext>,
    IOpenIddictServerHandler<OpenIddictServerEvents.HandleTokenRequestContext>
{
    /// <summary>The audience of every token: the hub's gRPC services.</summary>
    public const string Audience = "interop-hub";

    public static OpenIddictServerHandlerDescriptor Validation { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<OpenIddictServerEvents.ValidateTokenRequestContext>()
            .UseSingletonHandler<PartnerTokenRequests>()
            .SetOrder(OpenIddictServerHandlers.Exchange.ValidateAuthentication.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public static OpenIddictServerHandlerDescriptor Issue { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<OpenIddictServerEvents.HandleTokenRequestContext>()
            .UseSingletonHandler<PartnerTokenRequests>()
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(OpenIddictServerEvents.ValidateTokenRequestContext context)
    {
        if (!context.Request.IsClientCredentialsGrantType())
        {
            context.Reject(Errors.UnsupportedGrantType, "The hub issues tokens for the client_credentials grant only.");
        }
        else if (Decide(context.Transaction, context.Request) is TokenDecision.Refused refused)
        {
            context.Reject(refused.Error, refused.Description);
        }

        return default;
    }

    public ValueTask HandleAsync(OpenIddictServerEvents.HandleTokenRequestContext context)
    {
        if (Decide(context.Transaction, context.Request) is not TokenDecision.Granted granted)
        {
            context.Reject(Errors.InvalidClient, "The partner can no longer be given a token.");
            return default;
        }

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, granted.PartnerId);
        identity.SetClaim(Claims.Name, granted.PartnerId);
        identity.SetScopes(granted.Scopes);
        identity.SetResources(Audience);
        identity.SetDestinations(static _ => [Destinations.AccessToken]);
        context.SignIn(new ClaimsPrincipal(identity));
        return default;
    }

    private TokenDecision Decide(OpenIddictServerTransaction transaction, OpenIddictRequest request)
    {
        if (transaction.RemoteCertificate is not { } certificate)
        {
            return new TokenDecision.Refused(Errors.InvalidClient, "The token endpoint authenticates partners by their client certificate (tls_client_auth): none was presented.");
        }

        if (revoked.IsRevoked(certificate))
        {
            return new TokenDecision.Refused(Errors.InvalidClient, "The client certificate has been revoked by the partner CA.");
        }

        var named = PartnerIdentity.FromCertificate(certificate);
        var admission = named is null ? new Admission.NotReady() : directory.Admit(named, PartnerCertificates.Thumbprint(certificate));
        return TokenGrant.Decide(request.ClientId, named, admission, [.. request.GetScopes()]);
    }
}
