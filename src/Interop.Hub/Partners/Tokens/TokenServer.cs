using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Interop.Hub.Partners.Tokens;

/// <summary>
/// The hub's OAuth2 token server (OpenIddict): <c>client_credentials</c> at <c>/connect/token</c>,
/// clients authenticated by their partner certificate (RFC 8705 <c>tls_client_auth</c> against the
/// partner CAs), access tokens bound to that certificate (<c>cnf</c> / <c>x5t#S256</c>) and valid for
/// minutes, and the standard discovery documents. The clients are the partner directory's partners,
/// so OpenIddict keeps no store of its own (its degraded mode, with the hub's own request
/// validation, <see cref="PartnerTokenRequests"/>). Tokens are validated in the same process, the
/// certificate binding included.
/// </summary>
internal static class TokenServer
{
    public const string TokenPath = "connect/token";

    public static IServiceCollection AddTokenServer(this IServiceCollection services, X509Certificate2Collection partnerCas, TimeSpan accessTokenLifetime, X509Certificate2? signing)
    {
        services.AddSingleton<PartnerTokenRequests>();
        services.AddOpenIddict()
            .AddServer(server =>
            {
                server.SetTokenEndpointUris(TokenPath);
                server.AllowClientCredentialsFlow();
                server.RegisterScopes([.. Scopes.All]);
                server.SetAccessTokenLifetime(accessTokenLifetime);
                server.EnableDegradedMode();
                // The CAs are only what OpenIddict advertises and checks the chain against; the hub's own handler decides.
                server.EnablePublicKeyInfrastructureTlsClientAuthentication(PartnerCaRoots(partnerCas));
                server.UseClientCertificateBoundAccessTokens();
                if (signing is null)
                {
                    // Tokens live minutes: a key of the process's own is enough for one hub; several hubs share one
                    // (Hub:TokenSigningCertificate). ECDSA P-256 (ES256): made in a millisecond, where OpenIddict's
                    // ephemeral RSA key cost seconds at a hub's first token.
                    server.AddSigningKey(new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)));
                }
                else
                {
                    server.AddSigningCertificate(signing);
                }

                // OpenIddict needs an encryption key even though access tokens are not encrypted; a random symmetric one.
                server.AddEncryptionKey(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)));
                // Signed, not encrypted: a token carries the partner id and its scopes, never personal data.
                server.DisableAccessTokenEncryption();
                server.UseAspNetCore();
                server.AddEventHandler(PartnerTokenRequests.Validation);
                server.AddEventHandler(PartnerTokenRequests.Issue);
                server.Configure(options =>
                {
                    // No secrets: the certificate is the only way a partner authenticates.
                    options.ClientAuthenticationMethods.Clear();
                    options.ClientAuthenticationMethods.Add(ClientAuthenticationMethods.TlsClientAuth);
                });
            })
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                validation.UseAspNetCore();
                validation.AddAudiences(PartnerTokenRequests.Audience);
            });
        return services;
    }

    /// <summary>The validation scheme the access gate authenticates a call's bearer token with.</summary>
    public const string Scheme = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;

    private static X509Certificate2Collection PartnerCaRoots(X509Certificate2Collection partnerCas) => [.. partnerCas];
}
