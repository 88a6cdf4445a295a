using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Hub.V1;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>
/// A partner over its rate of calls, or with too many calls open at once, is answered
/// RESOURCE_EXHAUSTED with when to retry, as a gRPC status; other partners are not held back. A
/// unary call stuck longer than the hub's limit ends DEADLINE_EXCEEDED.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class FairUseTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "fairuse")
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Hub:PartnerCallsPerSecond"] = "5",
        ["Hub:PartnerConcurrentCalls"] = "3",
        ["Hub:UnaryCallSeconds"] = "2",
    };

    [Fact]
    public async Task A_partner_over_its_rate_is_told_to_retry_later_while_another_partner_is_served()
    {
        var bandung = new HubService.HubServiceClient(Hub.Channel(Pki.Bandung));
        var refusals = new List<RpcException>();
        for (var call = 0; call < 30 && refusals.Count == 0; call++)
        {
            try
            {
                await bandung.GetPartnerIdentityAsync(new GetPartnerIdentityRequest());
            }
            catch (RpcException refusal)
            {
                refusals.Add(refusal);
            }
        }

        var refused = Assert.Single(refusals);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("over its fair use", refused.Status.Detail, StringComparison.Ordinal);
        var retry = refused.GetRpcStatus()!.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan();
        Assert.InRange(retry, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.Equal("partner:dinsos-kota-bandung", refused.GetRpcStatus()!.GetDetail<QuotaFailure>().Violations.Single().Subject);
        Assert.Contains("fair use", (await AccessLogProbe.RefusalAsync(Hub, Pki, DateTimeOffset.UtcNow.AddMinutes(-1), "dinsos-kota-bandung", "GetPartnerIdentity", "RESOURCE_EXHAUSTED")).Detail, StringComparison.Ordinal);

        // Another partner is not held back, and the first is served again once it waited.
        Assert.Equal("bpk", (await new HubService.HubServiceClient(Hub.Channel(Pki.Auditor)).GetPartnerIdentityAsync(new GetPartnerIdentityRequest())).PartnerId);
        await Task.Delay(retry + TimeSpan.FromMilliseconds(500));
        Assert.Equal("dinsos-kota-bandung", (await bandung.GetPartnerIdentityAsync(new GetPartnerIdentityRequest())).PartnerId);
    }

    [Fact]
    public async Task A_partner_with_too_many_calls_open_is_refused_a_further_one_until_it_closes_one()
    {
        await Task.Delay(TimeSpan.FromSeconds(2)); // a full bucket, whatever ran before
        await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Steward), [Households.Valid("FAIR-1", 801)]);
        var registry = Hub.Registry(Pki.Auditor);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var feeds = Enumerable.Range(0, 3).Select(_ => registry.StreamChanges(new StreamChangesRequest(), cancellationToken: cancel.Token)).ToList();
        // Each feed delivers the household once it is open.
        foreach (var feed in feeds)
        {
            Assert.True(await feed.ResponseStream.MoveNext(cancel.Token));
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => new HubService.HubServiceClient(Hub.Channel(Pki.Auditor)).GetPartnerIdentityAsync(new GetPartnerIdentityRequest()).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);

        feeds[0].Dispose();
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal("bpk", (await new HubService.HubServiceClient(Hub.Channel(Pki.Auditor)).GetPartnerIdentityAsync(new GetPartnerIdentityRequest())).PartnerId);
        foreach (var feed in feeds.Skip(1))
        {
            feed.Dispose();
        }
    }

    [Fact]
    public async Task A_change_stuck_behind_a_lock_ends_deadline_exceeded_after_the_hubs_limit_and_stores_nothing()
    {
        var steward = Hub.Registry(Pki.Steward);
        var stored = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(steward, [Households.Valid("FAIR-2", 802)]));
        var household = (await steward.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = stored.Accepted.HouseholdId })).Household;
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockRow = new Npgsql.NpgsqlCommand($"select 1 from interop.mt_streams where id = '{household.HouseholdId}' for update", connection, transaction))
        {
            await lockRow.ExecuteScalarAsync();
        }

        var started = DateTime.UtcNow;
        var stuck = await Assert.ThrowsAsync<RpcException>(() => steward.ChangeHouseholdAsync(HouseholdRequests.For(household, "moved", new ChangeHouseholdRequest
        {
            ChangeAddress = new ChangeAddress { VillageCode = "32.73.01.1003", AddressLine = "Jl. Braga 3" },
        })).ResponseAsync);
        var waited = DateTime.UtcNow - started;
        await transaction.RollbackAsync();

        Assert.Equal(StatusCode.DeadlineExceeded, stuck.StatusCode);
        Assert.Contains("longer than 2 s", stuck.Status.Detail, StringComparison.Ordinal);
        Assert.InRange(waited, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(20));
        Assert.Equal(household.Version, (await steward.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = household.HouseholdId })).Household.Version);
    }
}
