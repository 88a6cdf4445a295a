using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;
using Interop.ReferenceData;

namespace Interop.IntegrationTests;

[Collection(HubCollection.Name)]
public sealed class SearchingHouseholdsTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "search")
{
    private static readonly RegionTable Regions = RegionTable.Load(RegionTable.DefaultPath);
    private List<SubmitHouseholdsRequest> bandung = [];
    private List<SubmitHouseholdsResponse> stored = [];

    private RegistryService.RegistryServiceClient Auditor => Hub.Registry(Pki.Auditor);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        bandung = new SyntheticHouseholds(31, Regions, "32.73", "S-BDG-").Take(45).ToList();
        var semarang = new SyntheticHouseholds(32, Regions, "33.74", "S-SMG-").Take(15).ToList();
        stored = await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Steward), [.. bandung, .. semarang]);
    }

    [Fact]
    public async Task A_region_is_read_page_by_page_in_a_stable_order_without_gaps_or_repeats()
    {
        var seen = new List<string>();
        var request = new SearchHouseholdsRequest { RegionPrefix = "32.73", PageSize = 20 };
        var pages = 0;
        do
        {
            var page = await Auditor.SearchHouseholdsAsync(request);
            pages++;
            seen.AddRange(page.Households.Select(h => h.HouseholdId));
            Assert.All(page.Households, h => Assert.StartsWith("32.73.", h.VillageCode, StringComparison.Ordinal));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        Assert.Equal(3, pages);
        Assert.Equal(stored.Take(45).Select(o => o.Accepted.HouseholdId).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task A_nik_finds_the_household_holding_it_and_those_that_list_it_without_holding_it()
    {
        // Holding: an active household. Listing without holding: a proposal held because the NIK is
        // active there, and, once deactivated (its NIKs released), the household itself.
        var holder = await HouseholdSteps.ActiveAsync(Hub, Pki, 431);
        var nik = holder.Members[1].Nik;
        var proposal = Households.Valid("SEARCH-432", 432);
        proposal.Household.Members[1] = holder.Members[1].Clone();
        var held = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Bandung), [proposal])).Accepted;
        Assert.NotEmpty(held.ConflictCaseId);

        var both = await Auditor.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = nik });
        var heldOnly = await Auditor.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = proposal.Household.Members[0].Nik });
        await HouseholdSteps.ChangeAsync(Hub.Registry(Pki.Steward), holder, "no longer eligible", new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() });
        var afterClosing = await Auditor.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = nik });

        Assert.Equal(new[] { holder.HouseholdId, held.HouseholdId }.Order(StringComparer.Ordinal), both.Households.Select(h => h.HouseholdId));
        Assert.Equal([held.HouseholdId], heldOnly.Households.Select(h => h.HouseholdId));
        Assert.Equal(new[] { holder.HouseholdId, held.HouseholdId }.Order(StringComparer.Ordinal), afterClosing.Households.Select(h => h.HouseholdId));
    }

    [Fact]
    public async Task A_household_is_found_by_a_members_nik_and_by_its_family_card()
    {
        var target = bandung[7];

        var byNik = await Auditor.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = target.Household.Members[^1].Nik });
        var byCard = await Auditor.SearchHouseholdsAsync(new SearchHouseholdsRequest { FamilyCardNumber = target.Household.FamilyCardNumber });
        var byStatus = await Auditor.SearchHouseholdsAsync(new SearchHouseholdsRequest { RegionPrefix = "33.74", Status = HouseholdStatus.Proposed, PageSize = 100 });
        var none = await Auditor.SearchHouseholdsAsync(new SearchHouseholdsRequest { Status = HouseholdStatus.Active });

        Assert.Equal(stored[7].Accepted.HouseholdId, Assert.Single(byNik.Households).HouseholdId);
        Assert.Equal(stored[7].Accepted.HouseholdId, Assert.Single(byCard.Households).HouseholdId);
        Assert.Equal(15, byStatus.Households.Count);
        Assert.Empty(byStatus.NextPageToken);
        Assert.Empty(none.Households);
    }

    [Fact]
    public async Task A_status_this_hub_does_not_know_from_a_newer_client_filters_nothing_in_v1_and_v2()
    {
        var unknownV1 = await Auditor.SearchHouseholdsAsync(new SearchHouseholdsRequest { RegionPrefix = "33.74", Status = (HouseholdStatus)42, PageSize = 100 });
        var unknownV2 = await new Interop.Contracts.Registry.V2.RegistryService.RegistryServiceClient(Hub.Channel(Pki.Auditor)).SearchHouseholdsAsync(
            new Interop.Contracts.Registry.V2.SearchHouseholdsRequest { RegionPrefix = "33.74", Status = (Interop.Contracts.Registry.V2.HouseholdStatus)42, PageSize = 100 });

        Assert.Equal(15, unknownV1.Households.Count);
        Assert.Equal(15, unknownV2.Households.Count);
    }

    [Fact]
    public async Task Bad_searches_are_refused_with_the_field_named_and_a_bank_may_not_search()
    {
        var first = await Auditor.SearchHouseholdsAsync(new SearchHouseholdsRequest { RegionPrefix = "32.73", PageSize = 10 });

        var tooLarge = await Assert.ThrowsAsync<RpcException>(() => Auditor.SearchHouseholdsAsync(new SearchHouseholdsRequest { PageSize = 1000 }).ResponseAsync);
        var forged = await Assert.ThrowsAsync<RpcException>(() => Auditor.SearchHouseholdsAsync(new SearchHouseholdsRequest { PageToken = "bm90LWEtdG9rZW4" }).ResponseAsync);
        var otherFilter = await Assert.ThrowsAsync<RpcException>(() => Auditor.SearchHouseholdsAsync(new SearchHouseholdsRequest { RegionPrefix = "33.74", PageSize = 10, PageToken = first.NextPageToken }).ResponseAsync);
        var badNik = await Assert.ThrowsAsync<RpcException>(() => Auditor.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = "12345" }).ResponseAsync);
        var bank = await Assert.ThrowsAsync<RpcException>(() => Hub.Registry(Pki.Bank).SearchHouseholdsAsync(new SearchHouseholdsRequest { RegionPrefix = "32" }).ResponseAsync);

        Assert.Equal("page_size", Field(tooLarge));
        Assert.Equal("page_token", Field(forged));
        Assert.Equal("page_token", Field(otherFilter));
        Assert.Equal("nik", Field(badNik));
        Assert.DoesNotContain("12345", badNik.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, bank.StatusCode);
    }

    private static string Field(RpcException refusal)
    {
        Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
        return Assert.Single(refusal.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field;
    }
}
