using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Interop.Hub.Partners;

namespace Interop.UnitTests;

public sealed class PartnerIdentityTests
{
    [Fact]
    public void A_regency_certificate_names_the_partner_its_kind_and_its_area()
    {
        var certificate = Certificate("urn:interop-hub:partner:local-government:dinsos-kota-bandung", "urn:interop-hub:area:32.73");

        Assert.Equal(
            new PartnerIdentity("dinsos-kota-bandung", PartnerKind.LocalGovernment, "32.73"),
            PartnerIdentity.FromCertificate(certificate));
    }

    [Fact]
    public void A_bank_certificate_has_no_area()
    {
        Assert.Equal(new PartnerIdentity("bri", PartnerKind.Bank, null), PartnerIdentity.FromCertificate(Certificate("urn:interop-hub:partner:bank:bri")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("urn:interop-hub:partner:wizard:merlin")]
    [InlineData("urn:interop-hub:partner:bank:BRI")]
    [InlineData("urn:interop-hub:partner:bank")]
    [InlineData("urn:interop-hub:partner:bank:bri urn:interop-hub:partner:auditor:bpk")]
    [InlineData("urn:interop-hub:partner:local-government:x1 urn:interop-hub:area:32-73")]
    [InlineData("https://partner.example/bri")]
    public void A_certificate_without_exactly_one_well_formed_identity_names_no_partner(string spaceSeparatedUris)
    {
        var uris = spaceSeparatedUris.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        Assert.Null(PartnerIdentity.FromCertificate(Certificate(uris)));
    }

    private static X509Certificate2 Certificate(params string[] uris)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("partner.test");
        foreach (var uri in uris)
        {
            names.AddUri(new Uri(uri));
        }

        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
