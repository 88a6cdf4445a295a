using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;
using V2 = Interop.Contracts.Registry.V2;

namespace Interop.IntegrationTests;

/// <summary>
/// Minimisation is the hub's: each call that reads personal data names a purpose its partner may
/// use, and sees through that purpose's view (docs/partners.md); a read mask narrows the view and
/// never widens it; the officer a call names is on what it changed.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class WhatEachPurposeSeesTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "views")
{
    private RegistryService.RegistryServiceClient Registry(System.Security.Cryptography.X509Certificates.X509Certificate2 partner, string purpose, string? officer = null) =>
        new(Hub.Channel(partner, purpose: purpose, officer: officer));

    private V2.RegistryService.RegistryServiceClient V2Registry(System.Security.Cryptography.X509Certificates.X509Certificate2 partner, string purpose) =>
        new(Hub.Channel(partner, purpose: purpose));

    private static string Masked(string number) => $"{number[..4]}**********{number[^2..]}";

    [Fact]
    public async Task An_auditor_examining_sees_masked_numbers_and_no_names_and_investigating_sees_identities()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 1101);
        var head = household.Members[0];

        var examined = (await Registry(Pki.Auditor, "audit-examination").GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = household.HouseholdId })).Household;
        var history = await Registry(Pki.Auditor, "audit-examination").StreamHouseholdHistory(new StreamHouseholdHistoryRequest { HouseholdId = household.HouseholdId })
            .ResponseStream.ReadAllAsync().ToListAsync();
        var investigated = (await Registry(Pki.Auditor, "audit-investigation").GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = household.HouseholdId })).Household;

        Assert.Equal(household.Members.Select(member => Masked(member.Nik)), examined.Members.Select(member => member.Nik));
        Assert.All(examined.Members, member => Assert.Empty(member.FullName));
        Assert.Equal(new Google.Type.Date { Year = head.BirthDate.Year }, examined.Members[0].BirthDate);
        Assert.Equal((Masked(household.FamilyCardNumber), string.Empty, household.VillageCode), (examined.FamilyCardNumber, examined.AddressLine, examined.VillageCode));
        Assert.Equal((household.Status, household.Version), (examined.Status, examined.Version));
        // The history's identity checks name the members by masked NIKs too.
        var checks = history.Select(response => response.Event).Where(change => change.ChangeCase == HouseholdEvent.ChangeOneofCase.IdentitiesVerified).SelectMany(change => change.IdentitiesVerified.Checks).ToList();
        Assert.NotEmpty(checks);
        Assert.All(checks, check => Assert.Contains("**********", check.Nik, StringComparison.Ordinal));
        var everything = string.Join('\n', history.Select(response => response.ToString()));
        Assert.Contains("IDENTITY_VERDICT", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(head.Nik, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(head.FullName, everything, StringComparison.Ordinal);
        Assert.Equal(household, investigated);
    }

    [Fact]
    public async Task A_call_without_a_purpose_or_with_one_not_its_own_is_refused_before_anything_is_read()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 1102);
        var request = new GetHouseholdRequest { HouseholdId = household.HouseholdId };
        var started = DateTimeOffset.UtcNow;

        var none = await Assert.ThrowsAsync<RpcException>(() => Registry(Pki.Auditor, string.Empty).GetHouseholdAsync(request).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Registry(Pki.Auditor, "curiosity").GetHouseholdAsync(request).ResponseAsync);
        var stewards = await Assert.ThrowsAsync<RpcException>(() => Registry(Pki.Bandung, "registry-stewardship").GetHouseholdAsync(request).ResponseAsync);
        var researchersFeed = await Assert.ThrowsAsync<RpcException>(() => Registry(Pki.DisasterResponder, "approved-research")
            .StreamChanges(new StreamChangesRequest()).ResponseStream.ReadAllAsync().ToListAsync().AsTask());
        var bank = await Assert.ThrowsAsync<RpcException>(() => Registry(Pki.Bank, "registry-stewardship").GetHouseholdAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, none.StatusCode);
        Assert.Equal("PURPOSE_REQUIRED", none.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Contains("x-interop-purpose", none.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("audit-examination, audit-investigation", none.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
        Assert.Equal(["x-interop-purpose"], unknown.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(violation => violation.Field));
        Assert.Equal("PURPOSE_NOT_ALLOWED", stewards.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Equal("PURPOSE_NOT_ALLOWED", researchersFeed.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        // A bank holds no registry scope at all: it is refused for that, whatever purpose it names.
        Assert.Equal(("MISSING_SCOPE", StatusCode.PermissionDenied), (bank.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason, bank.StatusCode));
        // A write that answers with the household needs a purpose too.
        var change = await Assert.ThrowsAsync<RpcException>(() => Registry(Pki.Steward, string.Empty)
            .ChangeHouseholdAsync(HouseholdRequests.For(household, "deactivated", new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() })).ResponseAsync);
        Assert.Equal("PURPOSE_REQUIRED", change.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Equal(household, await HouseholdSteps.GetAsync(Hub, Pki, household.HouseholdId));
        // The auditor's read without a purpose is in the access log, with the household it asked for.
        var logged = await AccessLogProbe.RefusalAsync(Hub, Pki, started, "bpk", "GetHousehold", "PERMISSION_DENIED");
        Assert.Equal([household.HouseholdId], logged.HouseholdIds);
        Assert.Contains("x-interop-purpose", logged.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_researcher_gets_de_identified_households_and_can_neither_search_by_identity_nor_widen_its_view()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 1103);
        var research = V2Registry(Pki.Researcher, "approved-research");

        var found = await research.SearchHouseholdsAsync(new V2.SearchHouseholdsRequest { RegionPrefix = "32.73", PageSize = 100 });
        var read = (await research.GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = household.HouseholdId, ReadMask = new FieldMask { Paths = { "members.identity", "location" } } })).Household;
        var v1 = (await Registry(Pki.Researcher, "approved-research").GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = household.HouseholdId })).Household;
        var byNik = await Assert.ThrowsAsync<RpcException>(() => research.SearchHouseholdsAsync(new V2.SearchHouseholdsRequest { Nik = household.Members[0].Nik }).ResponseAsync);
        var byCard = await Assert.ThrowsAsync<RpcException>(() => research.SearchHouseholdsAsync(new V2.SearchHouseholdsRequest { FamilyCardNumber = household.FamilyCardNumber }).ResponseAsync);
        var byVillage = await Assert.ThrowsAsync<RpcException>(() => research.SearchHouseholdsAsync(new V2.SearchHouseholdsRequest { RegionPrefix = household.VillageCode }).ResponseAsync);
        var widened = await Assert.ThrowsAsync<RpcException>(() => research.GetHouseholdAsync(new V2.GetHouseholdRequest
        {
            HouseholdId = household.HouseholdId,
            ReadMask = new FieldMask { Paths = { "status", "members.identity.nik" } },
        }).ResponseAsync);

        Assert.Contains(found.Households, candidate => candidate.HouseholdId == household.HouseholdId);
        Assert.All(found.Households.SelectMany(candidate => candidate.Members), member => Assert.Equal((string.Empty, string.Empty), (member.Identity.Nik, member.Identity.FullName)));
        Assert.All(read.Members, member => Assert.Equal((string.Empty, string.Empty, 0, 0), (member.Identity.Nik, member.Identity.FullName, member.Identity.BirthDate.Month, member.Identity.BirthDate.Day)));
        Assert.Equal(household.Members[0].BirthDate.Year, read.Members[0].Identity.BirthDate.Year);
        Assert.Equal(("32.73.01", "32.73.01", string.Empty), (read.Location.VillageCode, read.Location.DistrictCode, read.Location.AddressLine));
        Assert.Equal((string.Empty, string.Empty, "32.73.01"), (v1.Members[0].Nik, v1.FamilyCardNumber, v1.VillageCode));
        foreach (var (refusal, field) in new[] { (byNik, "nik"), (byCard, "family_card_number"), (byVillage, "region_prefix"), (widened, "read_mask") })
        {
            Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
            var info = refusal.GetRpcStatus()!.GetDetail<ErrorInfo>();
            Assert.Equal(("OUTSIDE_VIEW", field), (info.Reason, info.Metadata["field"]));
        }

        Assert.Contains("members.identity.nik", widened.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("members.identity.nik", (await AccessLogProbe.RefusalAsync(Hub, Pki, DateTimeOffset.UtcNow.AddMinutes(-1), "ui-peneliti", "GetHousehold", "PERMISSION_DENIED")).Detail, StringComparison.Ordinal);

        // The change feed keeps to the view too: no village filter, and events without identities, reasons or officers.
        var villageFeed = await Assert.ThrowsAsync<RpcException>(() => Registry(Pki.Researcher, "approved-research")
            .StreamChanges(new StreamChangesRequest { RegionPrefix = household.VillageCode }).ResponseStream.ReadAllAsync().ToListAsync().AsTask());
        Assert.Equal(("OUTSIDE_VIEW", "region_prefix"), (villageFeed.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason, villageFeed.GetRpcStatus()!.GetDetail<ErrorInfo>().Metadata["field"]));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var feed = Registry(Pki.Researcher, "approved-research").StreamChanges(new StreamChangesRequest { RegionPrefix = "32.73" }, cancellationToken: cancel.Token);
        var events = new List<HouseholdEvent>();
        while (events.Count(change => change.HouseholdId == household.HouseholdId) < (int)household.Version && await feed.ResponseStream.MoveNext(cancel.Token))
        {
            events.Add(feed.ResponseStream.Current.Event);
        }

        var ours = events.Where(change => change.HouseholdId == household.HouseholdId).ToList();
        Assert.Equal((int)household.Version, ours.Count);
        Assert.All(ours, change => Assert.Equal((string.Empty, string.Empty), (change.Reason, change.EvidenceReference)));
        var text = string.Join('\n', ours.Select(change => change.ToString()));
        Assert.DoesNotContain(household.Members[0].Nik, text, StringComparison.Ordinal);
        Assert.DoesNotContain(household.Members[0].FullName, text, StringComparison.Ordinal);
        Assert.DoesNotContain(household.VillageCode, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disaster_responder_sees_names_and_addresses_only_for_relief_delivery()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 1104);
        var request = new GetHouseholdRequest { HouseholdId = household.HouseholdId };

        var assessed = (await Registry(Pki.DisasterResponder, "disaster-needs-assessment").GetHouseholdAsync(request)).Household;
        var delivered = (await Registry(Pki.DisasterResponder, "disaster-relief-delivery").GetHouseholdAsync(request)).Household;

        Assert.Equal((string.Empty, string.Empty, string.Empty), (assessed.Members[0].Nik, assessed.Members[0].FullName, assessed.AddressLine));
        Assert.Equal(household.VillageCode, assessed.VillageCode);
        Assert.Equal((Masked(household.Members[0].Nik), household.Members[0].FullName, household.AddressLine), (delivered.Members[0].Nik, delivered.Members[0].FullName, delivered.AddressLine));
        Assert.Equal(string.Empty, delivered.FamilyCardNumber);
    }

    [Fact]
    public async Task The_officer_a_call_names_is_on_the_event_it_caused_and_an_officer_id_that_is_a_nik_is_refused()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 1105);

        var enrolled = await HouseholdSteps.ChangeAsync(Registry(Pki.Steward, "registry-stewardship", officer: "pusdatin.op-17"), household, "enrolment decree", new ChangeHouseholdRequest
        {
            EnrollInProgram = new EnrollInProgram { Membership = new ProgramMembership { Program = Interop.Contracts.Registry.V1.Program.Bpnt } },
        });
        var history = await HouseholdSteps.HistoryAsync(Hub, Pki, household.HouseholdId);
        var asNik = await Assert.ThrowsAsync<RpcException>(() => Registry(Pki.Steward, "registry-stewardship", officer: household.Members[0].Nik)
            .GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = household.HouseholdId }).ResponseAsync);

        Assert.Equal(("kemensos-pusdatin", "pusdatin.op-17"), (history[^1].Actor.PartnerId, history[^1].Actor.OfficerId));
        Assert.Equal(string.Empty, history[0].Actor.OfficerId);
        Assert.Equal(enrolled.Version, history[^1].Version);
        Assert.Equal(StatusCode.InvalidArgument, asNik.StatusCode);
        Assert.Equal(["x-interop-officer"], asNik.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(violation => violation.Field));
        Assert.DoesNotContain(household.Members[0].Nik, asNik.Status.Detail, StringComparison.Ordinal);
    }
}
