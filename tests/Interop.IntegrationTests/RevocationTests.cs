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
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var feed = hub.Registry(compromised).StreamChanges(new Interop.Contracts.Registry.V1.StreamChangesRequest(), cancellationToken: cancel.Token);
        var reading = Task.Run(async () =>
        {
            while (await feed.ResponseStream.MoveNext(cancel.Token))
            {
            }
        });

        pki.WriteRevocationList(crl, 2, compromised);
        await Task.Delay(TimeSpan.FromSeconds(3));

        // A new connection fails its handshake; the connection opened before is refused at its next call.
        var refused = await Assert.ThrowsAsync<RpcException>(() => Identity(compromised));
        Assert.NotEqual(StatusCode.OK, refused.StatusCode);
        var stillOpen = await Assert.ThrowsAsync<RpcException>(() => open.GetPartnerIdentityAsync(new GetPartnerIdentityRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, stillOpen.StatusCode);
        Assert.Contains("revoked", stillOpen.Status.Detail, StringComparison.Ordinal);
        // The feed it had open was ended when the list was taken, not left streaming.
        var ended = await Assert.ThrowsAnyAsync<Exception>(() => reading.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.IsNotType<TimeoutException>(ended);

        // An older list, validly signed, does not undo the revocation.
        pki.WriteRevocationList(crl, 1);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await Assert.ThrowsAsync<RpcException>(() => Identity(compromised));
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

/// <summary>During a CA rollover the hub trusts a bundle of partner CAs, and each CA's list revokes its own certificates.</summary>
[Collection(HubCollection.Name)]
public sealed class PartnerCaRolloverTests(PostgresCluster postgres, TestPki pki) : IAsyncLifetime
{
    private readonly TestPki.RolloverCa next = new();
    private RunningHub hub = null!;
    private string crl = string.Empty;

    public async Task InitializeAsync()
    {
        var bundle = Path.Combine(pki.Folder, $"cas-{Guid.NewGuid():N}.crt");
        File.WriteAllText(bundle, pki.Ca.ExportCertificatePem() + "\n" + next.Ca.ExportCertificatePem() + "\n");
        crl = Path.Combine(pki.Folder, $"partners-{Guid.NewGuid():N}.crl");
        File.WriteAllText(crl, pki.RevocationListPem(1) + next.RevocationListPem());
        hub = await RunningHub.StartAsync(bundle, pki.ServerCertificatePath, pki.ServerKeyPath, pki.Ca, new()
        {
            ["ConnectionStrings:Registry"] = await postgres.CreateDatabaseAsync("rollover"),
            ["Hub:PartnerCrl"] = crl,
            ["Hub:CrlReloadSeconds"] = "1",
        });
    }

    public async Task DisposeAsync()
    {
        await hub.DisposeAsync();
        next.Dispose();
    }

    [Fact]
    public async Task Partners_of_the_old_and_the_new_ca_are_served_and_each_cas_list_revokes_its_own()
    {
        var old = pki.Partner("dinsos-kota-bogor", "local-government", "32.71");
        var renewed = next.Partner("dinsos-kota-depok", "local-government", "32.76");
        Assert.Equal("dinsos-kota-bogor", (await Identity(old)).PartnerId);
        Assert.Equal("dinsos-kota-depok", (await Identity(renewed)).PartnerId);
        await Assert.ThrowsAsync<RpcException>(() => Identity(TestPki.FromAnotherAuthority("stranger", "bank")));

        File.WriteAllText(crl + ".new", pki.RevocationListPem(2) + next.RevocationListPem(renewed));
        File.Move(crl + ".new", crl, overwrite: true);
        await Task.Delay(TimeSpan.FromSeconds(3));

        await Assert.ThrowsAsync<RpcException>(() => Identity(renewed));
        Assert.Equal("dinsos-kota-bogor", (await Identity(old)).PartnerId);
    }

    private Task<GetPartnerIdentityResponse> Identity(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        new HubService.HubServiceClient(hub.Channel(certificate)).GetPartnerIdentityAsync(new GetPartnerIdentityRequest()).ResponseAsync;
}
