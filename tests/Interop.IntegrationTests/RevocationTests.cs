using Grpc.Core;
using Interop.Contracts.Hub.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>
/// The partner CA revokes a certificate and publishes its list; the hub takes the new list without
/// a restart and refuses the certificate, while a list the CA did not sign changes nothing.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class RevocationTests(PostgresCluster postgres, TestPki pki) : IAsyncLifetime
{
    private RunningHub hub = null!;
    private string crl = string.Empty;

    public async Task InitializeAsync()
    {
        crl = Path.Combine(pki.Folder, $"partners-{Guid.NewGuid():N}.crl");
        pki.WriteRevocationList(crl, 1);
        hub = await RunningHub.StartAsync(pki.CaPath, pki.ServerCertificatePath, pki.ServerKeyPath, pki.Ca, new()
        {
            ["ConnectionStrings:Registry"] = await postgres.CreateDatabaseAsync("revocation"),
            ["Hub:PartnerCrl"] = crl,
            ["Hub:CrlReloadSeconds"] = "1",
        });
    }

    public async Task DisposeAsync() => await hub.DisposeAsync();

    [Fact]
    public async Task A_revoked_certificate_is_refused_after_the_list_is_published_and_other_partners_are_still_served()
    {
        var compromised = pki.Partner("dinsos-kota-cimahi", "local-government", "32.77");
        var open = new HubService.HubServiceClient(hub.Channel(compromised));
        Assert.Equal("dinsos-kota-cimahi", (await open.GetPartnerIdentityAsync(new GetPartnerIdentityRequest())).PartnerId);

        pki.WriteRevocationList(crl, 2, compromised);
        await Task.Delay(TimeSpan.FromSeconds(3));

        // A new connection fails its handshake; the connection opened before is refused at its next call.
        var refused = await Assert.ThrowsAsync<RpcException>(() => Identity(compromised));
        Assert.NotEqual(StatusCode.OK, refused.StatusCode);
        var stillOpen = await Assert.ThrowsAsync<RpcException>(() => open.GetPartnerIdentityAsync(new GetPartnerIdentityRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, stillOpen.StatusCode);
        Assert.Contains("revoked", stillOpen.Status.Detail, StringComparison.Ordinal);
        var reissued = pki.Partner("dinsos-kota-cimahi", "local-government", "32.77");
        Assert.Equal("dinsos-kota-cimahi", (await Identity(reissued)).PartnerId);
        Assert.Equal("bpk", (await Identity(pki.Auditor)).PartnerId);
    }

    [Fact]
    public async Task A_list_not_signed_by_the_partner_ca_changes_nothing()
    {
        var partner = pki.Partner("dinsos-kota-sukabumi", "local-government", "32.72");
        TestPki.WriteForeignRevocationList(crl, partner);
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal("dinsos-kota-sukabumi", (await Identity(partner)).PartnerId);
    }

    private Task<GetPartnerIdentityResponse> Identity(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        new HubService.HubServiceClient(hub.Channel(certificate)).GetPartnerIdentityAsync(new GetPartnerIdentityRequest()).ResponseAsync;
}
