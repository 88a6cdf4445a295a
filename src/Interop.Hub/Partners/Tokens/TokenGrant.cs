using Interop.Hub.Partners.Directory;

namespace Interop.Hub.Partners.Tokens;

/// <summary>What the token endpoint answers a client_credentials request with.</summary>
internal abstract record TokenDecision
{
    private TokenDecision()
    {
    }

    /// <summary>An access token for the partner, with these scopes, bound to the certificate of the request.</summary>
    internal sealed record Granted(string PartnerId, IReadOnlyList<string> Scopes) : TokenDecision;

    /// <summary>An OAuth2 error (<c>invalid_client</c>, <c>invalid_scope</c>) and why.</summary>
    internal sealed record Refused(string Error, string Description) : TokenDecision;
}

/// <summary>
/// Who gets a token, pure: the client authenticates by its certificate (RFC 8705 tls_client_auth),
/// so the client_id must be the partner the certificate names, the directory must let that
/// certificate in (registered, bound, active), and each scope asked for must be one the partner
/// holds; asking for none asks for all it holds.
/// </summary>
internal static class TokenGrant
{
    public static TokenDecision Decide(string? clientId, PartnerIdentity? named, Admission admission, IReadOnlyList<string> requested)
    {
        if (named is null)
        {
            return new TokenDecision.Refused("invalid_client", "The client certificate names no partner (urn:interop-hub:partner:<kind>:<id>).");
        }

        if (clientId != named.PartnerId)
        {
            return new TokenDecision.Refused("invalid_client", $"client_id must be the partner the client certificate names ({named.PartnerId}).");
        }

        if (admission is not Admission.Admitted { Partner: var partner })
        {
            return new TokenDecision.Refused("invalid_client", admission switch
            {
                Admission.Unknown unknown => unknown.Reason,
                Admission.Suspended suspended => $"Partner {suspended.PartnerId} is suspended by the registry steward.",
                _ => "The hub is starting: its partner directory is not read yet; retry in a moment.",
            });
        }

        var held = partner.Scopes.Intersect(Scopes.HeldBy(partner.Kind)).ToList();
        if (requested.FirstOrDefault(scope => !held.Contains(scope)) is { } beyond)
        {
            return new TokenDecision.Refused("invalid_scope", $"Partner {partner.PartnerId} does not hold the scope {beyond} (it holds: {(held.Count == 0 ? "none" : string.Join(", ", held))}).");
        }

        return new TokenDecision.Granted(partner.PartnerId, requested.Count == 0 ? held : [.. requested.Distinct()]);
    }
}
