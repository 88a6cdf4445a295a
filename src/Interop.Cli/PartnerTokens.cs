using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using Duende.IdentityModel.Client;
using Grpc.Core;

namespace Interop.Cli;

/// <summary>
/// The partner's access tokens, obtained from the hub's token endpoint with the client_credentials
/// grant, authenticated by the partner certificate itself (tls_client_auth: the client_id is the
/// partner id the certificate names, and no secret), over the same connection settings as the gRPC
/// calls, so the token is bound to the certificate it will be presented with. A token is reused
/// until a minute before it expires, then renewed.
/// </summary>
public sealed class PartnerTokens(HttpMessageHandler handler, Uri hub, string partnerId, string? scope = null, bool ownsHandler = true)
{
    private readonly HttpClient http = new(handler, disposeHandler: ownsHandler);
    private readonly SemaphoreSlim renewing = new(1, 1);
    private Held? current;

    public Uri TokenEndpoint { get; } = new(hub, "/connect/token");

    /// <summary>The partner id a certificate names in its urn:interop-hub:partner URI, or null.</summary>
    public static string? PartnerIdOf(X509Certificate2 certificate)
    {
        if (certificate.Extensions["2.5.29.17"] is not { } names)
        {
            return null;
        }

        try
        {
            var reader = new AsnReader(names.RawData, AsnEncodingRules.DER).ReadSequence();
            var uri = new Asn1Tag(TagClass.ContextSpecific, 6);
            while (reader.HasData)
            {
                if (!reader.PeekTag().HasSameClassAndValue(uri))
                {
                    reader.ReadEncodedValue();
                    continue;
                }

                var value = reader.ReadCharacterString(UniversalTagNumber.IA5String, uri);
                if (value.StartsWith("urn:interop-hub:partner:", StringComparison.Ordinal))
                {
                    return value.Split(':')[^1];
                }
            }
        }
        catch (AsnContentException)
        {
        }

        return null;
    }

    /// <summary>Call credentials that put a current token on every call.</summary>
    public CallCredentials Credentials() =>
        CallCredentials.FromInterceptor(async (context, metadata) => metadata.Add("authorization", "Bearer " + await CurrentAsync(context.CancellationToken)));

    /// <summary>A token valid for at least another minute (or half its lifetime), from the cache or the token endpoint.</summary>
    public async Task<string> CurrentAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref current) is { } held && DateTimeOffset.UtcNow < held.RenewAfter)
        {
            return held.Token;
        }

        await renewing.WaitAsync(cancellationToken);
        try
        {
            if (Volatile.Read(ref current) is { } again && DateTimeOffset.UtcNow < again.RenewAfter)
            {
                return again.Token;
            }

            var response = await http.RequestClientCredentialsTokenAsync(
                new ClientCredentialsTokenRequest
                {
                    Address = TokenEndpoint.ToString(),
                    ClientId = partnerId,
                    ClientCredentialStyle = ClientCredentialStyle.PostBody,
                    Scope = scope,
                },
                cancellationToken);
            if (response.IsError || response.AccessToken is null)
            {
                if (response.Exception is { } exception)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(exception);
                }

                if (response.Json is not { } answer || !answer.TryGetProperty("error", out _))
                {
                    // Not an OAuth2 answer (an older hub, a proxy): the hub could not be asked.
                    throw new RpcException(new Status(StatusCode.Unavailable, $"the hub's token endpoint {TokenEndpoint} answered HTTP {(int)response.HttpStatusCode} {response.HttpErrorReason}"));
                }

                // The OAuth2 error code the hub wrote (invalid_client, invalid_scope), not the HTTP status behind it.
                var error = response.Json is { } json && json.TryGetProperty("error", out var code) ? code.GetString() : response.Error;
                // A hub still starting, or one asked too often, is asked again later; any other refusal is the partner's to fix.
                var status = error == "slow_down" || response.ErrorDescription?.Contains("is starting", StringComparison.Ordinal) == true ? StatusCode.Unavailable : StatusCode.Unauthenticated;
                throw new RpcException(new Status(status, $"the hub's token endpoint refused partner {partnerId}: {error}: {response.ErrorDescription}"));
            }

            var lifetime = TimeSpan.FromSeconds(Math.Max(response.ExpiresIn, 1));
            Volatile.Write(ref current, new Held(response.AccessToken, DateTimeOffset.UtcNow + lifetime - TimeSpan.FromSeconds(Math.Min(60, lifetime.TotalSeconds / 2))));
            return response.AccessToken;
        }
        finally
        {
            renewing.Release();
        }
    }

    /// <summary>A token and when to ask for the next, swapped whole so a reader never sees half of one.</summary>
    private sealed record Held(string Token, DateTimeOffset RenewAfter);
}
