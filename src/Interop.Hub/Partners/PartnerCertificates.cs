using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Interop.Hub.Partners.Directory;

namespace Interop.Hub.Partners;

/// <summary>
/// Decides at the TLS handshake whether a client certificate belongs to a partner: issued by the
/// hub's partner CA (never the operating system's trust store), within its validity period, meant
/// for client authentication, not revoked (<see cref="RevokedCertificates"/>), and carrying a
/// well-formed partner identity. Which partner it is, and whether that partner may call at all, is
/// the directory's word (<see cref="PartnerDirectory"/>).
/// </summary>
internal sealed class PartnerCertificates(X509Certificate2Collection partnerCas, RevokedCertificates revoked)
{
    private const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>The partner CAs trusted: one, or the old and the new during a rollover.</summary>
    public X509Certificate2Collection PartnerCas { get; } = partnerCas;

    /// <summary>How the directory names a certificate: the SHA-256 of its DER encoding, in upper-case hex.</summary>
    public static string Thumbprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);

    public bool IsPartner(X509Certificate2 certificate, X509Chain? presentedChain) => RefusalOf(certificate, presentedChain) is null;

    /// <summary>Why the handshake refuses the certificate (for the access log's counts), or null when it takes it.</summary>
    public string? RefusalOf(X509Certificate2 certificate, X509Chain? presentedChain) =>
        Problem(certificate, presentedChain) ?? (PartnerIdentity.FromCertificate(certificate) is null ? "names no partner" : null);

    /// <summary>What the directory needs to know of a certificate sent to bind, or null when the text is not one PEM certificate.</summary>
    public CertificateFacts? Inspect(string pem)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }

        using (certificate)
        {
            return new CertificateFacts(
                new BoundCertificate(Thumbprint(certificate), certificate.Subject, certificate.SerialNumber, certificate.NotAfter.ToUniversalTime()),
                PartnerIdentity.FromCertificate(certificate),
                Problem(certificate, null));
        }
    }

    /// <summary>Why the hub refuses the certificate at the handshake, or null when it takes it.</summary>
    private string? Problem(X509Certificate2 certificate, X509Chain? presentedChain)
    {
        if (revoked.IsRevoked(certificate))
        {
            return "is revoked by the partner CA";
        }

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

        if (!chain.Build(certificate))
        {
            var status = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, element) => all | element.Status);
            return status.HasFlag(X509ChainStatusFlags.NotTimeValid) ? "is outside its validity period"
                : status.HasFlag(X509ChainStatusFlags.NotValidForUsage) ? "is not meant for client authentication"
                : "is not issued by a partner CA the hub trusts";
        }

        // Issued by a partner CA itself: no intermediate, whose revocation the hub could not see.
        return chain.ChainElements.Count == 2 && PartnerCas.Any(ca => chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span))
            ? null
            : "is not issued by a partner CA the hub trusts";
    }
}
