using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

[Collection(HubCollection.Name)]
public sealed class SubmittingHouseholdsTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "submitting")
{

    [Fact]
    public async Task A_regency_submits_households_and_anyone_allowed_reads_them_back_with_who_proposed_them_and_why()
    {
        var before = DateTimeOffset.UtcNow;
        var outcomes = await SubmitAsync(Hub.Registry(Pki.Bandung), [Households.Valid("BDG-1", 1), Households.Valid("BDG-2", 2), Households.Valid("BDG-3", 3)]);

        Assert.Equal(["BDG-1", "BDG-2", "BDG-3"], outcomes.Select(outcome => outcome.PartnerReference));
        Assert.Equal([0L, 1L, 2L], outcomes.Select(outcome => outcome.Position));
        Assert.All(outcomes, outcome => Assert.Equal(SubmitHouseholdsResponse.OutcomeOneofCase.Accepted, outcome.OutcomeCase));

        var auditor = Hub.Registry(Pki.Auditor);
        var second = (await auditor.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = outcomes[1].Accepted.HouseholdId })).Household;
        var sent = Households.Valid("BDG-2", 2).Household;
        Assert.Equal(outcomes[1].Accepted.HouseholdId, second.HouseholdId);
        Assert.Equal(HouseholdStatus.Proposed, second.Status);
        Assert.Equal(1, second.Version);
        Assert.Equal(sent.FamilyCardNumber, second.FamilyCardNumber);
        Assert.Equal(sent.VillageCode, second.VillageCode);
        Assert.Equal(sent.AddressLine, second.AddressLine);
        // As sent, and no member's identity confirmed by the civil registry yet.
        Assert.Equal(sent.Members.Select(member => member.Clone()).Select(member => { member.IdentityStatus = IdentityStatus.Unconfirmed; return member; }), second.Members);
        Assert.Equal("BDG-2", second.PartnerReference);
        Assert.Equal(new Actor { PartnerId = "dinsos-kota-bandung", PartnerKind = PartnerKind.LocalGovernment }, second.ProposedBy);

        var history = await auditor.StreamHouseholdHistory(new StreamHouseholdHistoryRequest { HouseholdId = second.HouseholdId })
            .ResponseStream.ReadAllAsync().Select(response => response.Event).ToListAsync();
        var proposed = Assert.Single(history);
        Assert.Equal(1, proposed.Version);
        Assert.True(proposed.Sequence > 0);
        Assert.Equal("dinsos-kota-bandung", proposed.Actor.PartnerId);
        Assert.Equal(PartnerKind.LocalGovernment, proposed.Actor.PartnerKind);
        Assert.Equal("new registration from the 2026 village survey", proposed.Reason);
        Assert.Equal("SURVEY-2026-00002", proposed.EvidenceReference);
        Assert.InRange(proposed.OccurTime.ToDateTimeOffset(), before.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5));
        Assert.Equal(sent, proposed.HouseholdProposed.Household);
        Assert.Equal("BDG-2", proposed.HouseholdProposed.PartnerReference);
        Assert.Equal(proposed.OccurTime, second.CreateTime);

        var steward = Hub.Registry(Pki.Steward);
        Assert.Equal(second, (await steward.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = second.HouseholdId })).Household);
    }

    [Fact]
    public async Task Bad_households_are_refused_with_each_bad_field_named_while_the_good_ones_of_the_same_stream_are_kept()
    {
        var badNik = Households.Valid("BAD-NIK", 11);
        badNik.Household.Members[0].Nik = "32730145079X0011";
        var impossibleBirthDate = Households.Valid("BAD-BIRTH", 12);
        impossibleBirthDate.Household.Members[1].BirthDate = new Google.Type.Date { Year = 2015, Month = 2, Day = 30 };
        var unknownVillage = Households.Valid("BAD-VILLAGE", 13);
        unknownVillage.Household.VillageCode = "32.73.01.9999";
        var missingFamilyCard = Households.Valid("BAD-KK", 14);
        missingFamilyCard.Household.FamilyCardNumber = string.Empty;
        var noMembers = Households.Valid("BAD-EMPTY", 15);
        noMembers.Household.Members.Clear();
        var oversizedName = Households.Valid("BAD-SIZE", 16);
        oversizedName.Household.Members[1].FullName = new string('a', 50_000);
        var noHousehold = new SubmitHouseholdsRequest { PartnerReference = "BAD-NOTHING", Reason = "test" };

        var outcomes = await SubmitAsync(
            Hub.Registry(Pki.Bandung),
            [Households.Valid("GOOD-1", 10), badNik, impossibleBirthDate, unknownVillage, missingFamilyCard, noMembers, oversizedName, noHousehold, Households.Valid("GOOD-2", 17)]);

        Assert.Equal(9, outcomes.Count);
        Assert.Equal(SubmitHouseholdsResponse.OutcomeOneofCase.Accepted, outcomes[0].OutcomeCase);
        Assert.Equal(SubmitHouseholdsResponse.OutcomeOneofCase.Accepted, outcomes[8].OutcomeCase);
        Assert.Equal(["household.members[0].nik"], BadFields(outcomes[1]));
        Assert.Equal(["household.members[1].birth_date"], BadFields(outcomes[2]));
        Assert.Equal(["household.village_code"], BadFields(outcomes[3]));
        Assert.Equal(["household.family_card_number"], BadFields(outcomes[4]));
        Assert.Equal(["household.members"], BadFields(outcomes[5]));
        Assert.Equal(["household.members[1].full_name"], BadFields(outcomes[6]));
        Assert.Equal(
            ["household.address_line", "household.family_card_number", "household.members", "household.village_code"],
            BadFields(outcomes[7]).Order(StringComparer.Ordinal));
        Assert.All(outcomes.Skip(1).Take(7), outcome => Assert.Equal((int)Code.InvalidArgument, outcome.Refused.Code));
        Assert.All(outcomes.Skip(1).Take(7), outcome => Assert.DoesNotContain("3273", outcome.Refused.Message, StringComparison.Ordinal));

        // Nothing of a refused household reached the store: exactly the two good ones did.
        Assert.Equal(2L, await StoredEventCountAsync());
        var reader = Hub.Registry(Pki.Steward);
        foreach (var good in new[] { outcomes[0], outcomes[8] })
        {
            var stored = await reader.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = good.Accepted.HouseholdId });
            Assert.Equal(good.PartnerReference, stored.Household.PartnerReference);
        }
    }

    [Fact]
    public async Task A_message_larger_than_the_hub_accepts_ends_the_stream_but_what_came_before_it_is_kept()
    {
        using var call = Hub.Registry(Pki.Bandung).SubmitHouseholds();
        await call.RequestStream.WriteAsync(Households.Valid("BEFORE-1", 21));
        await call.RequestStream.WriteAsync(Households.Valid("BEFORE-2", 22));
        var kept = new List<SubmitHouseholdsResponse>();
        while (kept.Count < 2 && await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            kept.Add(call.ResponseStream.Current);
        }

        var huge = Households.Valid("HUGE", 23);
        huge.Household.AddressLine = new string('x', 2 * 1024 * 1024);
        try
        {
            await call.RequestStream.WriteAsync(huge);
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The Hub resets the request stream while the client is still sending; the verdict is in the response.
        }

        var failure = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                kept.Add(call.ResponseStream.Current);
            }
        });

        Assert.True(failure.StatusCode == StatusCode.ResourceExhausted, failure.Status.ToString());
        Assert.Equal(["BEFORE-1", "BEFORE-2"], kept.Select(outcome => outcome.PartnerReference));
        Assert.All(kept, outcome => Assert.Equal(SubmitHouseholdsResponse.OutcomeOneofCase.Accepted, outcome.OutcomeCase));
        Assert.Equal(2L, await StoredEventCountAsync());
    }

    [Fact]
    public async Task An_unknown_household_is_not_found_and_a_malformed_id_is_refused_with_the_field_named()
    {
        var reader = Hub.Registry(Pki.Auditor);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => reader.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = Guid.NewGuid().ToString() }).ResponseAsync);
        var unknownHistory = await Assert.ThrowsAsync<RpcException>(() =>
            reader.StreamHouseholdHistory(new StreamHouseholdHistoryRequest { HouseholdId = Guid.NewGuid().ToString() }).ResponseStream.ReadAllAsync().ToListAsync().AsTask());
        var malformed = await Assert.ThrowsAsync<RpcException>(() => reader.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = "not-an-id" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.NotFound, unknownHistory.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        var details = malformed.GetRpcStatus()!.GetDetail<BadRequest>();
        Assert.Equal("household_id", Assert.Single(details.FieldViolations).Field);
    }

    [Fact]
    public async Task A_bank_can_neither_propose_nor_read_households()
    {
        var accepted = await SubmitAsync(Hub.Registry(Pki.Bandung), [Households.Valid("FOR-BANK", 31)]);
        var bank = Hub.Registry(Pki.Bank);

        var read = await Assert.ThrowsAsync<RpcException>(() => bank.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = accepted[0].Accepted.HouseholdId }).ResponseAsync);
        var propose = await Assert.ThrowsAsync<RpcException>(() => SubmitAsync(bank, [Households.Valid("BANK-1", 32)]));

        Assert.Equal(StatusCode.PermissionDenied, read.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, propose.StatusCode);
        Assert.Equal(1L, await StoredEventCountAsync());
    }

    [Fact]
    public async Task An_auditor_cannot_propose_households()
    {
        var started = DateTimeOffset.UtcNow;
        var propose = await Assert.ThrowsAsync<RpcException>(() => SubmitAsync(Hub.Registry(Pki.Auditor), [Households.Valid("AUD-1", 41)]));

        Assert.Equal(StatusCode.PermissionDenied, propose.StatusCode);
        Assert.Equal(0L, await StoredEventCountAsync());
        Assert.Contains("registry.write", (await AccessLogProbe.RefusalAsync(Hub, Pki, started, "bpk", "SubmitHouseholds", "PERMISSION_DENIED")).Detail, StringComparison.Ordinal);
    }

    internal static async Task<List<SubmitHouseholdsResponse>> SubmitAsync(RegistryService.RegistryServiceClient client, IEnumerable<SubmitHouseholdsRequest> requests)
    {
        using var call = client.SubmitHouseholds();
        var reading = call.ResponseStream.ReadAllAsync().ToListAsync().AsTask();
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request);
        }

        await call.RequestStream.CompleteAsync();
        return await reading;
    }

    private static List<string> BadFields(SubmitHouseholdsResponse outcome)
    {
        Assert.Equal(SubmitHouseholdsResponse.OutcomeOneofCase.Refused, outcome.OutcomeCase);
        var badRequest = outcome.Refused.Details.Single().Unpack<BadRequest>();
        return badRequest.FieldViolations.Select(violation => violation.Field).Distinct().ToList();
    }

    private Task<long> StoredEventCountAsync() => StoreProbe.HouseholdEventCountAsync(ConnectionString);
}
