using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Interop.Hub.Partners;

namespace Interop.UnitTests;

/// <summary>Which certificates a revocation list names, and only when the partner CA signed it.</summary>
public sealed class RevocationListTests
{
    [Fact]
    public void A_list_signed_by_the_ca_names_its_revoked_serials_whatever_their_first_bit()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = Authority(caKey);
        using var high = Issue(ca, [0x80, 0x01, 0x02]);
        using var low = Issue(ca, [0x01, 0x02, 0x03]);
        using var kept = Issue(ca, [0x05, 0x06, 0x07]);

        var revoked = RevokedCertificates.Parse(List(ca, high, low), ca)!;

        Assert.Equal(2, revoked.Count);
        Assert.Contains(Convert.ToHexString(high.SerialNumberBytes.Span).TrimStart('0'), revoked.Select(serial => serial.TrimStart('0')));
        Assert.DoesNotContain(Convert.ToHexString(kept.SerialNumberBytes.Span), revoked);
        Assert.Empty(RevokedCertificates.Parse(List(ca), ca)!);
        Assert.Equal(1, RevokedCertificates.ParseList(List(ca), ca)!.Number);
        Assert.NotNull(RevokedCertificates.ParseList(List(ca), ca)!.NextUpdate);
    }

    [Fact]
    public void A_list_signed_by_another_ca_or_not_a_list_at_all_is_not_taken()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = Authority(caKey);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = Authority(otherKey);
        using var certificate = Issue(ca, [0x01]);

        Assert.Null(RevokedCertificates.Parse(List(other, certificate), ca));
        Assert.Null(RevokedCertificates.Parse("not a revocation list"u8, ca));
        var tampered = List(ca, certificate);
        tampered[^40] ^= 0x01;
        Assert.Null(RevokedCertificates.Parse(tampered, ca));
    }

    private static byte[] List(X509Certificate2 issuer, params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate);
        }

        return builder.Build(issuer, 1, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256);
    }

    private static X509Certificate2 Authority(ECDsa key)
    {
        var request = new CertificateRequest("CN=Test Partner CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, byte[] serial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest("CN=partner", key, HashAlgorithmName.SHA256).Create(issuer, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), serial);
    }
}
