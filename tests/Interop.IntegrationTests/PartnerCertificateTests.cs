using Grpc.Core;
using Grpc.Health.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>
/// Only holders of a certificate from the hub's partner CA get in. With TLS 1.3 the server refuses
/// a client certificate after the TLS handshake, so the client sees no TLS exception but "the server
/// did not complete the HTTP/2 handshake", which grpc-dotnet reports as UNAVAILABLE or, depending
/// on where in its connection pool the failure lands, INTERNAL.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class PartnerCertificateTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "certificates")
{

    [Fact]
    public async Task A_partner_with_a_certificate_from_the_partner_ca_is_served()
    {
        var health = new Health.HealthClient(Hub.Channel(Pki.Bank));

        var response = await health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task The_hub_tells_a_partner_who_it_takes_it_to_be()
    {
        var hubService = new Interop.Contracts.Hub.V1.HubService.HubServiceClient(Hub.Channel(Pki.Bandung));

        var identity = await hubService.GetPartnerIdentityAsync(new Interop.Contracts.Hub.V1.GetPartnerIdentityRequest());

        Assert.Equal("dinsos-kota-bandung", identity.PartnerId);
        Assert.Equal("local-government", identity.PartnerKind);
        Assert.Equal("32.73", identity.AreaCode);
        Assert.InRange(identity.ServerTime.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task A_caller_without_a_client_certificate_cannot_connect()
    {
        await AssertRefusedAsync(null);
    }

    [Fact]
    public async Task A_certificate_from_another_ca_is_refused()
    {
        await AssertRefusedAsync(TestPki.FromAnotherAuthority("kemensos-pusdatin", "steward"));
    }

    [Fact]
    public async Task An_expired_partner_certificate_is_refused()
    {
        await AssertRefusedAsync(Pki.Partner("dinsos-kota-bandung", "local-government", "32.73", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1)));
    }

    [Fact]
    public async Task A_certificate_from_the_partner_ca_without_a_partner_identity_is_refused()
    {
        await AssertRefusedAsync(Pki.Partner("dinsos-kota-bandung", "mayor"));
    }

    private async Task AssertRefusedAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate)
    {
        var registry = Hub.Registry(certificate);
        var health = new Health.HealthClient(Hub.Channel(certificate));

        var read = await Assert.ThrowsAsync<RpcException>(() =>
            registry.GetHouseholdAsync(new Interop.Contracts.Registry.V1.GetHouseholdRequest { HouseholdId = Guid.NewGuid().ToString() }).ResponseAsync);
        var check = await Assert.ThrowsAsync<RpcException>(() => health.CheckAsync(new HealthCheckRequest()).ResponseAsync);

        AssertConnectionRefused(read);
        AssertConnectionRefused(check);
    }

    private static void AssertConnectionRefused(RpcException refusal)
    {
        Assert.Contains(refusal.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        // Refused by the transport, before any call reached a service. Under TLS 1.3 the client
        // learns of the refusal after its side of the handshake, so where it notices (reading the
        // HTTP/2 preface, sending the request) and hence the message varies with timing.
        Assert.StartsWith("Error starting gRPC call. HttpRequestException:", refusal.Status.Detail, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(refusal.Status.DebugException);
    }
}
