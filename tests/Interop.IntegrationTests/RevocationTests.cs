using Grpc.Core;
using Interop.Contracts.Hub.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>
/// The partner CA revokes a certificate and publishes its list; the hub takes the new list without
/// a restart and refuses the certificate, while a list the CA did not sign changes nothing.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class RevocationTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "revocation")
{
    private readonly string crl = Path.Combine(pki.Folder, $"partners-{Guid.NewGuid():N}.crl");

    protected override Dictionary<string, string?> Settings => new() { ["Hub:PartnerCrl"] = crl, ["Hub:CrlReloadSeconds"] = "1" };

    public override async Task InitializeAsync()
    {
        Pki.WriteRevocationList(crl, 1);
        await base.InitializeAsync();
    }

    [Fact]
    public async Task A_revoked_certificate_is_refused_after_the_list_is_published_and_other_partners_are_still_served()
    {
        var compromised = Pki.Partner("dinsos-kota-cimahi", "local-government", "32.77");
        await Hub.RegisterAsync(Pki.Steward, compromised);
        var open = new HubService.HubServiceClient(Hub.Channel(compromised));
        Assert.Equal("dinsos-kota-cimahi", (await open.GetPartnerIdentityAsync(new GetPartnerIdentityRequest())).PartnerId);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var feed = Hub.Registry(compromised).StreamChanges(new Interop.Contracts.Registry.V1.StreamChangesRequest(), cancellationToken: cancel.Token);
        var reading = Task.Run(async () =>
        {
            while (await feed.ResponseStream.MoveNext(cancel.Token))
            {
            }
        });

        Pki.WriteRevocationList(crl, 2, compromised);
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
        Pki.WriteRevocationList(crl, 1);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await Assert.ThrowsAsync<RpcException>(() => Identity(compromised));
        var reissued = Pki.Partner("dinsos-kota-cimahi", "local-government", "32.77");
        await Hub.BindAsync(Pki.Steward, reissued);
        Assert.Equal("dinsos-kota-cimahi", (await Identity(reissued)).PartnerId);
        Assert.Equal("bpk", (await Identity(Pki.Auditor)).PartnerId);
    }

    [Fact]
    public async Task A_list_not_signed_by_the_partner_ca_changes_nothing()
    {
        var partner = Pki.Partner("dinsos-kota-sukabumi", "local-government", "32.72");
        await Hub.RegisterAsync(Pki.Steward, partner);
        TestPki.WriteForeignRevocationList(crl, partner);
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal("dinsos-kota-sukabumi", (await Identity(partner)).PartnerId);
    }

    private Task<GetPartnerIdentityResponse> Identity(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        new HubService.HubServiceClient(Hub.Channel(certificate)).GetPartnerIdentityAsync(new GetPartnerIdentityRequest()).ResponseAsync;
}

/// <summary>During a CA rollover the Hub trusts a bundle of partner CAs, and each CA's list revokes its own certificates.</summary>
[Collection(HubCollection.Name)]
public sealed class PartnerCaRolloverTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "rollover")
{
    private readonly TestPki.RolloverCa next = new();
    private readonly string bundle = Path.Combine(pki.Folder, $"cas-{Guid.NewGuid():N}.crt");
    private readonly string crl = Path.Combine(pki.Folder, $"partners-{Guid.NewGuid():N}.crl");

    protected override string PartnerCaPath => bundle;

    protected override Dictionary<string, string?> Settings => new() { ["Hub:PartnerCrl"] = crl, ["Hub:CrlReloadSeconds"] = "1" };

    public override async Task InitializeAsync()
    {
        File.WriteAllText(bundle, Pki.Ca.ExportCertificatePem() + "\n" + next.Ca.ExportCertificatePem() + "\n");
        File.WriteAllText(crl, Pki.RevocationListPem(1) + next.RevocationListPem());
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        next.Dispose();
    }

    [Fact]
    public async Task Partners_of_the_old_and_the_new_ca_are_served_and_each_cas_list_revokes_its_own()
    {
        var old = Pki.Partner("dinsos-kota-bogor", "local-government", "32.71");
        var renewed = next.Partner("dinsos-kota-depok", "local-government", "32.76");
        await Hub.RegisterAsync(Pki.Steward, old);
        await Hub.RegisterAsync(Pki.Steward, renewed);
        Assert.Equal("dinsos-kota-bogor", (await Identity(old)).PartnerId);
        Assert.Equal("dinsos-kota-depok", (await Identity(renewed)).PartnerId);
        await Assert.ThrowsAsync<RpcException>(() => Identity(TestPki.FromAnotherAuthority("stranger", "bank")));

        File.WriteAllText(crl + ".new", Pki.RevocationListPem(2) + next.RevocationListPem(renewed));
        File.Move(crl + ".new", crl, overwrite: true);
        await Task.Delay(TimeSpan.FromSeconds(3));

        await Assert.ThrowsAsync<RpcException>(() => Identity(renewed));
        Assert.Equal("dinsos-kota-bogor", (await Identity(old)).PartnerId);

        // A file without the new CA's list (cut short, or left out) is not taken: the revocation stands.
        File.WriteAllText(crl + ".new", Pki.RevocationListPem(3));
        File.Move(crl + ".new", crl, overwrite: true);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await Assert.ThrowsAsync<RpcException>(() => Identity(renewed));
    }

    private Task<GetPartnerIdentityResponse> Identity(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        new HubService.HubServiceClient(Hub.Channel(certificate)).GetPartnerIdentityAsync(new GetPartnerIdentityRequest()).ResponseAsync;
}
