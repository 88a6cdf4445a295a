using System.Security.Cryptography.X509Certificates;

namespace Interop.Hub.Partners;

/// <summary>
/// Decides at the TLS handshake whether a client certificate belongs to a partner: issued by the
/// hub's partner CA (never the operating system's trust store), within its validity period, meant
/// for client authentication, not revoked (<see cref="RevokedCertificates"/>), and carrying a
/// well-formed partner identity.
/// </summary>
internal sealed class PartnerCertificates(X509Certificate2Collection partnerCas, RevokedCertificates revoked)
{
    private const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>The partner CAs trusted: one, or the old and the new during a rollover.</summary>
    public X509Certificate2Collection PartnerCas { get; } = partnerCas;

    public bool IsPartner(X509Certificate2 certificate, X509Chain? presentedChain)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(PartnerCas);
        // Revocation comes from the CA's list as a local file (RevokedCertificates), never fetched while validating.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new(ClientAuthenticationOid));
        if (presentedChain is not null)
        {
            foreach (var element in presentedChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return !revoked.IsRevoked(certificate)
            && chain.Build(certificate)
            // Issued by a partner CA itself: no intermediate, whose revocation the hub could not see.
            && chain.ChainElements.Count == 2
            && PartnerCas.Any(ca => chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span))
            && PartnerIdentity.FromCertificate(certificate) is not null;
    }
}
