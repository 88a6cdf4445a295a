using System.Net.Http.Json;
using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using Interop.Cli;
using Interop.Contracts.Hub.V1;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>
/// The hub's token server, over the wire: a partner obtains an access token with its certificate
/// (client_credentials, tls_client_auth), and every call needs one bound to the very certificate it
/// is presented with, unexpired, carrying the scope the method needs.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class AccessTokenTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "tokens")
{
    protected override Dictionary<string, string?> Settings => new() { ["Hub:AccessTokenSeconds"] = "5", ["Hub:TokenRequestsPerSecond"] = "3" };

    [Fact]
    public async Task The_discovery_document_advertises_certificate_authentication_and_bound_tokens_only()
    {
        using var http = new HttpClient(HubConnection.Handler(Hub.Address, Pki.Auditor, Pki.Ca, null));
        var discovery = await http.GetFromJsonAsync<JsonElement>(new Uri(Hub.Address, "/.well-known/openid-configuration"));

        Assert.Equal(new Uri(Hub.Address, "/connect/token").ToString(), discovery.GetProperty("token_endpoint").GetString());
        Assert.Equal(["tls_client_auth"], discovery.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(method => method.GetString()));
        Assert.True(discovery.GetProperty("tls_client_certificate_bound_access_tokens").GetBoolean());
        Assert.Contains("client_credentials", discovery.GetProperty("grant_types_supported").EnumerateArray().Select(grant => grant.GetString()));
        Assert.Contains("registry.read", discovery.GetProperty("scopes_supported").EnumerateArray().Select(scope => scope.GetString()));
    }

    [Fact]
    public async Task A_call_without_a_token_is_refused_and_says_where_to_get_one()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => Identity(Pki.Bandung, token: null));

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal("ACCESS_TOKEN_MISSING", refused.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Contains("/connect/token", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_and_reflection_need_a_token_too()
    {
        var health = await Assert.ThrowsAsync<RpcException>(() => new Grpc.Health.V1.Health.HealthClient(Hub.Channel(Pki.Auditor, accessTokens: false)).CheckAsync(new Grpc.Health.V1.HealthCheckRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, health.StatusCode);

        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, (await new Grpc.Health.V1.Health.HealthClient(Hub.Channel(Pki.Auditor)).CheckAsync(new Grpc.Health.V1.HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task A_certificate_asking_for_tokens_too_often_is_told_to_slow_down_and_its_tokens_stay_valid()
    {
        var token = await HubConnection.Tokens(Hub.Address, Pki.CivilRegistry, Pki.Ca).CurrentAsync(CancellationToken.None);
        var refusals = new List<RpcException>();
        for (var request = 0; request < 12 && refusals.Count == 0; request++)
        {
            try
            {
                await HubConnection.Tokens(Hub.Address, Pki.CivilRegistry, Pki.Ca).CurrentAsync(CancellationToken.None);
            }
            catch (RpcException refusal)
            {
                refusals.Add(refusal);
            }
        }

        var slowDown = Assert.Single(refusals);
        Assert.Equal(StatusCode.Unavailable, slowDown.StatusCode);
        Assert.Contains("slow_down", slowDown.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("dukcapil", (await Identity(Pki.CivilRegistry, token)).PartnerId);
        // Another certificate is not held back.
        await HubConnection.Tokens(Hub.Address, Pki.Auditor, Pki.Ca).CurrentAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_token_issued_to_one_partner_is_refused_with_another_partners_certificate()
    {
        var bandungToken = await HubConnection.Tokens(Hub.Address, Pki.Bandung, Pki.Ca).CurrentAsync(CancellationToken.None);
        Assert.Equal("dinsos-kota-bandung", (await Identity(Pki.Bandung, bandungToken)).PartnerId);

        var started = DateTimeOffset.UtcNow;
        var stolen = await Assert.ThrowsAsync<RpcException>(() => Identity(Pki.Auditor, bandungToken));
        Assert.Equal(StatusCode.Unauthenticated, stolen.StatusCode);
        Assert.Equal("ACCESS_TOKEN_INVALID", stolen.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Contains("access token", (await AccessLogProbe.RefusalAsync(Hub, Pki, started, "bpk", "GetPartnerIdentity", "UNAUTHENTICATED")).Detail, StringComparison.Ordinal);
        // Nor is a renewed certificate of the same partner another's token's holder.
        var sameIdOtherCertificate = Pki.Partner("dinsos-kota-bandung", "local-government", "32.73");
        await Hub.BindAsync(Pki.Steward, sameIdOtherCertificate);
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => Identity(sameIdOtherCertificate, bandungToken))).StatusCode);
        Assert.Equal("dinsos-kota-bandung", (await Identity(sameIdOtherCertificate, await HubConnection.Tokens(Hub.Address, sameIdOtherCertificate, Pki.Ca).CurrentAsync(CancellationToken.None))).PartnerId);
    }

    [Fact]
    public async Task A_token_is_refused_for_another_client_id_than_the_certificate_names_or_a_scope_the_partner_does_not_hold()
    {
        var otherId = await Assert.ThrowsAsync<RpcException>(() => HubConnection.Tokens(Hub.Address, Pki.Bandung, Pki.Ca, clientId: "bpk").CurrentAsync(CancellationToken.None));
        Assert.Contains("invalid_client: client_id must be the partner the client certificate names (dinsos-kota-bandung)", otherId.Status.Detail, StringComparison.Ordinal);

        var beyond = await Assert.ThrowsAsync<RpcException>(() => HubConnection.Tokens(Hub.Address, Pki.Bandung, Pki.Ca, scope: "registry.steward").CurrentAsync(CancellationToken.None));
        Assert.Contains("invalid_scope", beyond.Status.Detail, StringComparison.Ordinal);

        var bank = await Assert.ThrowsAsync<RpcException>(() => HubConnection.Tokens(Hub.Address, Pki.Bank, Pki.Ca, scope: "registry.read").CurrentAsync(CancellationToken.None));
        Assert.Contains("invalid_scope", bank.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_without_the_scope_a_method_needs_is_refused_naming_it()
    {
        var readOnly = await HubConnection.Tokens(Hub.Address, Pki.Bandung, Pki.Ca, scope: "registry.read").CurrentAsync(CancellationToken.None);
        var registry = new RegistryService.RegistryServiceClient(Hub.Channel(Pki.Bandung, accessTokens: false));
        var headers = new Metadata { { "authorization", "Bearer " + readOnly } };

        Assert.Empty((await registry.SearchHouseholdsAsync(new SearchHouseholdsRequest(), headers)).Households);
        using var call = registry.SubmitHouseholds(headers);
        await call.RequestStream.WriteAsync(Households.Valid("TOKEN-1", 5101));
        var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal("registry.write", refused.GetRpcStatus()!.GetDetail<ErrorInfo>().Metadata["scope"]);
        Assert.Contains("registry.write", (await AccessLogProbe.RefusalAsync(Hub, Pki, DateTimeOffset.UtcNow.AddMinutes(-1), "dinsos-kota-bandung", "SubmitHouseholds", "PERMISSION_DENIED")).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_token_is_refused_and_the_client_renews_its_own()
    {
        var tokens = HubConnection.Tokens(Hub.Address, Pki.Auditor, Pki.Ca);
        var token = await tokens.CurrentAsync(CancellationToken.None);
        Assert.Equal("bpk", (await Identity(Pki.Auditor, token)).PartnerId);
        var renewing = new HubService.HubServiceClient(Hub.Channel(Pki.Auditor));
        await renewing.GetPartnerIdentityAsync(new GetPartnerIdentityRequest());

        await Task.Delay(TimeSpan.FromSeconds(7));

        var started = DateTimeOffset.UtcNow;
        var expired = await Assert.ThrowsAsync<RpcException>(() => Identity(Pki.Auditor, token));
        Assert.Equal(StatusCode.Unauthenticated, expired.StatusCode);
        Assert.Equal("ACCESS_TOKEN_INVALID", expired.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Equal("GetPartnerIdentity", (await AccessLogProbe.RefusalAsync(Hub, Pki, started, "bpk", "GetPartnerIdentity", "UNAUTHENTICATED")).Method.Split('/')[^1]);
        Assert.Equal("bpk", (await renewing.GetPartnerIdentityAsync(new GetPartnerIdentityRequest())).PartnerId);
        Assert.NotEqual(token, await tokens.CurrentAsync(CancellationToken.None));
    }

    private Task<GetPartnerIdentityResponse> Identity(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, string? token)
    {
        var client = new HubService.HubServiceClient(Hub.Channel(certificate, accessTokens: false));
        var headers = token is null ? new Metadata() : new Metadata { { "authorization", "Bearer " + token } };
        return client.GetPartnerIdentityAsync(new GetPartnerIdentityRequest(), headers).ResponseAsync;
    }
}
