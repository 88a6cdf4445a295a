using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;
using Interop.ReferenceData;

namespace Interop.IntegrationTests;

/// <summary>A partner's reference for a household is its idempotency key: resending is always safe.</summary>
[Collection(HubCollection.Name)]
public sealed class ResendingHouseholdsTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "resending")
{
    private static readonly RegionTable Regions = RegionTable.Load(RegionTable.DefaultPath);

    [Fact]
    public async Task Resending_a_whole_stream_after_the_connection_was_cut_stores_each_household_once()
    {
        var households = new SyntheticHouseholds(2026, Regions, "32.73", "BDG-").Take(2_000).ToList();
        var firstTry = new List<SubmitHouseholdsResponse>();
        using (var cut = new CancellationTokenSource())
        {
            using var call = Hub.Registry(Pki.Bandung).SubmitHouseholds(cancellationToken: cut.Token);
            var sending = Task.Run(async () =>
            {
                foreach (var household in households)
                {
                    await call.RequestStream.WriteAsync(household, cut.Token);
                }
            });
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await foreach (var outcome in call.ResponseStream.ReadAllAsync(cut.Token))
                {
                    firstTry.Add(outcome);
                    if (firstTry.Count == 700)
                    {
                        await cut.CancelAsync();
                    }
                }
            });
            try
            {
                await sending;
            }
            catch (Exception exception) when (exception is RpcException or OperationCanceledException or InvalidOperationException)
            {
                // Whether the cut reached the sender before it finished writing depends on buffering.
            }
        }

        var secondTry = await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Bandung), households);

        Assert.Equal(700, firstTry.Count);
        Assert.Equal(2_000, secondTry.Count);
        Assert.All(secondTry, outcome => Assert.Equal(SubmitHouseholdsResponse.OutcomeOneofCase.Accepted, outcome.OutcomeCase));
        Assert.Equal(firstTry.Select(o => o.Accepted.HouseholdId), secondTry.Take(700).Select(o => o.Accepted.HouseholdId));
        Assert.Equal(2_000, secondTry.Select(o => o.Accepted.HouseholdId).Distinct().Count());
        Assert.Equal(2_000L, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
        Assert.Equal(2_000L, await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.mt_doc_household"));

        var thirdTry = await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Bandung), households);
        Assert.Equal(secondTry.Select(o => o.Accepted.HouseholdId), thirdTry.Select(o => o.Accepted.HouseholdId));
        Assert.Equal(2_000L, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
    }

    [Fact]
    public async Task The_same_reference_with_other_content_is_refused_with_the_id_of_the_original()
    {
        var original = await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Bandung), [Households.Valid("REF-1", 101)]);
        var changed = Households.Valid("REF-1", 101);
        changed.Household.AddressLine = "Jl. Lain No. 5";

        var outcome = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Bandung), [changed]));

        Assert.Equal(SubmitHouseholdsResponse.OutcomeOneofCase.Refused, outcome.OutcomeCase);
        Assert.Equal((int)Code.AlreadyExists, outcome.Refused.Code);
        var resource = outcome.Refused.Details.Single().Unpack<ResourceInfo>();
        Assert.Equal(original[0].Accepted.HouseholdId, resource.ResourceName);
        var stored = await Hub.Registry(Pki.Steward).GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = resource.ResourceName });
        Assert.Equal(Households.Valid("REF-1", 101).Household.AddressLine, stored.Household.AddressLine);
        Assert.Equal(1L, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
    }

    [Fact]
    public async Task The_same_reference_twice_in_one_stream_stores_one_household()
    {
        var outcomes = await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Bandung), [Households.Valid("TWICE", 111), Households.Valid("TWICE", 111)]);

        Assert.Equal(outcomes[0].Accepted.HouseholdId, outcomes[1].Accepted.HouseholdId);
        Assert.Equal(1L, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
    }

    [Fact]
    public async Task References_belong_to_their_partner()
    {
        var bandung = await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Bandung), [Households.Valid("SHARED-REF", 121)]);
        var ministry = await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Steward), [Households.Valid("SHARED-REF", 122)]);

        Assert.Equal(SubmitHouseholdsResponse.OutcomeOneofCase.Accepted, ministry[0].OutcomeCase);
        Assert.NotEqual(bandung[0].Accepted.HouseholdId, ministry[0].Accepted.HouseholdId);
    }

    [Fact]
    public async Task Two_streams_racing_with_the_same_households_store_each_once()
    {
        var households = new SyntheticHouseholds(99, Regions, "32.73", "RACE-").Take(1_500).ToList();

        var results = await Task.WhenAll(
            SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Bandung), households),
            SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Bandung), households));

        Assert.All(results.SelectMany(r => r), outcome => Assert.Equal(SubmitHouseholdsResponse.OutcomeOneofCase.Accepted, outcome.OutcomeCase));
        Assert.Equal(results[0].Select(o => o.Accepted.HouseholdId), results[1].Select(o => o.Accepted.HouseholdId));
        Assert.Equal(1_500L, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
    }

}
