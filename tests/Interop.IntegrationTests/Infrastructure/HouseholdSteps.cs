using Grpc.Core;
using Interop.Contracts.Registry.V1;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>Lifecycle steps as the partners take them, for tests that need a household in some state.</summary>
public static class HouseholdSteps
{
    /// <summary>Kota Bandung proposes a two-member household (see <see cref="Households.Valid"/>).</summary>
    public static async Task<Household> ProposeAsync(RunningHub hub, TestPki pki, int serial)
    {
        var outcome = await SubmittingHouseholdsTests.SubmitAsync(hub.Registry(pki.Bandung), [Households.Valid($"LIFE-{serial}", serial)]);
        return await GetAsync(hub, pki, outcome.Single().Accepted.HouseholdId);
    }

    /// <summary>Proposed by Kota Bandung, verified by the civil registry, ratified by the steward.</summary>
    public static async Task<Household> ActiveAsync(RunningHub hub, TestPki pki, int serial)
    {
        var proposed = await ProposeAsync(hub, pki, serial);
        var verified = await ChangeAsync(hub.Registry(pki.CivilRegistry), proposed, "matched against the population database", HouseholdRequests.VerifyAll(proposed));
        return await ChangeAsync(hub.Registry(pki.Steward), verified, "ratified in the monthly cycle", new ChangeHouseholdRequest { RatifyHousehold = new RatifyHousehold() });
    }

    public static async Task<Household> ChangeAsync(RegistryService.RegistryServiceClient client, Household household, string reason, ChangeHouseholdRequest change) =>
        (await client.ChangeHouseholdAsync(HouseholdRequests.For(household, reason, change))).Household;

    public static async Task<Household> GetAsync(RunningHub hub, TestPki pki, string householdId) =>
        (await hub.Registry(pki.Steward).GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = householdId })).Household;

    public static async Task<List<HouseholdEvent>> HistoryAsync(RunningHub hub, TestPki pki, string householdId) =>
        await hub.Registry(pki.Steward).StreamHouseholdHistory(new StreamHouseholdHistoryRequest { HouseholdId = householdId })
            .ResponseStream.ReadAllAsync().Select(response => response.Event).ToListAsync();

    /// <summary>The change is refused with that code and reason, and the household is exactly as it was.</summary>
    public static async Task<RpcException> AssertRefusedAsync(
        RunningHub hub, TestPki pki, RegistryService.RegistryServiceClient client, Household household, ChangeHouseholdRequest change, StatusCode code, string because)
    {
        var refusal = await Assert.ThrowsAsync<RpcException>(() => client.ChangeHouseholdAsync(HouseholdRequests.For(household, "test", change)).ResponseAsync);
        Assert.Equal(code, refusal.StatusCode);
        Assert.Contains(because, refusal.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(household, await GetAsync(hub, pki, household.HouseholdId));
        return refusal;
    }
}
