using Google.Rpc;
using Google.Type;
using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>The civil registry streams its view of people and its death notices; the hub answers the discrepancies and records the deaths.</summary>
[Collection(HubCollection.Name)]
public sealed class ReconcilingIdentitiesTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "reconciliation")
{

    private ReconciliationService.ReconciliationServiceClient Dukcapil => new(Hub.Channel(Pki.CivilRegistry));

    [Fact]
    public async Task Each_record_is_answered_in_order_with_what_differs_from_the_register()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 701);
        var died = await HouseholdSteps.ActiveAsync(Hub, Pki, 702);
        died = await HouseholdSteps.ChangeAsync(Hub.Registry(Pki.Steward), died, "death reported by the village head", new ChangeHouseholdRequest
        {
            RecordDeath = new RecordDeath { Nik = died.Members[1].Nik, DeathDate = new Date { Year = 2026, Month = 2, Day = 1 } },
        });
        var head = household.Members[0];
        var child = household.Members[1];

        var answers = await ReconcileAsync(
        [
            Person("AGREES", head.Nik, " siti  RAHMAWATI ", head.BirthDate, "32.73.01.1001"),
            Person("DIFFERS", child.Nik, "Rizki Pratama", new Date { Year = 2015, Month = 3, Day = 13 }, "33.74.01.1001", new Date { Year = 2026, Month = 5, Day = 1 }),
            Person("UNKNOWN", "3273014507900999", "Siti Rahmawati", new Date { Year = 1990, Month = 7, Day = 5 }),
            Person("ONLY-IN-REGISTER", died.Members[1].Nik, died.Members[1].FullName, died.Members[1].BirthDate),
        ]);

        Assert.Equal(["AGREES", "DIFFERS", "UNKNOWN", "ONLY-IN-REGISTER"], answers.Select(a => a.RecordReference));
        Assert.Equal([0L, 1, 2, 3], answers.Select(a => a.Position));
        Assert.Empty(answers[0].Discrepancies);
        Assert.Equal(household.HouseholdId, answers[0].HouseholdId);
        Assert.Equal(
            [DiscrepancyKind.Deceased, DiscrepancyKind.NameDiffers, DiscrepancyKind.BirthDateDiffers, DiscrepancyKind.OtherRegion],
            answers[1].Discrepancies.Select(d => d.Kind));
        Assert.Equal([DiscrepancyKind.NikUnknown], answers[2].Discrepancies.Select(d => d.Kind));
        Assert.Empty(answers[2].HouseholdId);
        Assert.Equal([DiscrepancyKind.DeceasedOnlyInRegister], answers[3].Discrepancies.Select(d => d.Kind));
        // Comparing writes nothing, and no answer quotes a name.
        Assert.Equal(household.Version, (await HouseholdSteps.GetAsync(Hub, Pki, household.HouseholdId)).Version);
        Assert.DoesNotContain(answers.SelectMany(a => a.Discrepancies), d => d.Description.Contains("Rizk", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task People_of_a_proposal_held_in_a_conflict_case_are_compared_and_their_deaths_recorded_there()
    {
        var existing = await HouseholdSteps.ActiveAsync(Hub, Pki, 721);
        var proposal = Households.Valid("RECONCILE-722", 722);
        proposal.Household.Members[1] = existing.Members[1].Clone();
        var held = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Bandung), [proposal])).Accepted;
        Assert.NotEmpty(held.ConflictCaseId);
        // The head's NIK is active nowhere: the held proposal is the only household that lists it.
        var head = proposal.Household.Members[0];

        var answers = await ReconcileAsync(
        [
            Person("HELD-HEAD", head.Nik, head.FullName, head.BirthDate, proposal.Household.VillageCode),
            Notice("HELD-DEATH", head.Nik, new Date { Year = 2026, Month = 4, Day = 5 }, "AKTA-3273-KM-2026-0722"),
        ]);

        Assert.Equal((held.HouseholdId, 0), (answers[0].HouseholdId, answers[0].Discrepancies.Count));
        Assert.Equal((DeathNoticeOutcome.Applied, held.HouseholdId), (answers[1].DeathNoticeOutcome, answers[1].HouseholdId));
        var now = await HouseholdSteps.GetAsync(Hub, Pki, held.HouseholdId);
        Assert.Equal(new Date { Year = 2026, Month = 4, Day = 5 }, now.Members.Single(member => member.Nik == head.Nik).DeathDate);
        Assert.Equal(held.ConflictCaseId, now.OpenConflictCaseId);
    }

    [Fact]
    public async Task Death_notices_are_recorded_in_the_civil_registrys_name_and_a_resent_stream_changes_nothing()
    {
        var first = await HouseholdSteps.ActiveAsync(Hub, Pki, 711);
        var second = await HouseholdSteps.ProposeAsync(Hub, Pki, 712);
        List<ReconcileIdentitiesRequest> notices =
        [
            Notice("N-1", first.Members[1].Nik, new Date { Year = 2026, Month = 4, Day = 2 }, "AKTA-3273-KM-2026-0001"),
            Notice("N-2", second.Members[0].Nik, new Date { Year = 2026, Month = 4, Day = 3 }, "AKTA-3273-KM-2026-0002"),
            Notice("N-3", first.Members[0].Nik, new Date { Year = 2026, Month = 4, Day = 4 }, "AKTA-3273-KM-2026-0003"),
            Notice("N-4", "3273014507900998", new Date { Year = 2026, Month = 4, Day = 4 }, "AKTA-3273-KM-2026-0004"),
        ];

        var answers = await ReconcileAsync(notices);

        Assert.Equal(
            [DeathNoticeOutcome.Applied, DeathNoticeOutcome.Applied, DeathNoticeOutcome.Applied, DeathNoticeOutcome.NikUnknown],
            answers.Select(a => a.DeathNoticeOutcome));
        Assert.Equal([first.Version + 1, second.Version + 1, first.Version + 2], answers.Take(3).Select(a => a.HouseholdVersion));
        var firstNow = await HouseholdSteps.GetAsync(Hub, Pki, first.HouseholdId);
        Assert.Equal(new Date { Year = 2026, Month = 4, Day = 2 }, firstNow.Members[1].DeathDate);
        Assert.Equal(new Date { Year = 2026, Month = 4, Day = 4 }, firstNow.Members[0].DeathDate);
        var recorded = (await HouseholdSteps.HistoryAsync(Hub, Pki, first.HouseholdId)).Skip((int)first.Version).ToList();
        Assert.All(recorded, e => Assert.Equal((HouseholdEvent.ChangeOneofCase.MemberDied, "dukcapil", "death notice from the civil registry"), (e.ChangeCase, e.Actor.PartnerId, e.Reason)));
        Assert.Equal(["AKTA-3273-KM-2026-0001", "AKTA-3273-KM-2026-0003"], recorded.Select(e => e.EvidenceReference));

        var events = await StoreProbe.HouseholdEventCountAsync(ConnectionString);
        var again = await ReconcileAsync(notices);

        Assert.Equal(
            [DeathNoticeOutcome.AlreadyRecorded, DeathNoticeOutcome.AlreadyRecorded, DeathNoticeOutcome.AlreadyRecorded, DeathNoticeOutcome.NikUnknown],
            again.Select(a => a.DeathNoticeOutcome));
        Assert.Equal(events, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
    }

    [Fact]
    public async Task Malformed_records_and_impossible_deaths_are_refused_one_by_one_and_write_nothing()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 721);
        var events = await StoreProbe.HouseholdEventCountAsync(ConnectionString);

        var answers = await ReconcileAsync(
        [
            Notice("BAD-NIK", "32730145079", new Date { Year = 2026, Month = 4, Day = 2 }, "AKTA-1"),
            Notice("NO-DATE", household.Members[1].Nik, null, ""),
            new ReconcileIdentitiesRequest { RecordReference = "EMPTY" },
            Notice("BEFORE-BIRTH", household.Members[1].Nik, new Date { Year = 2010, Month = 1, Day = 1 }, "AKTA-2"),
            Person("GOOD", household.Members[0].Nik, household.Members[0].FullName, household.Members[0].BirthDate),
        ]);

        Assert.Equal(["death_notice.nik"], BadFields(answers[0]));
        Assert.Equal(["death_notice.certificate_number", "death_notice.death_date"], BadFields(answers[1]).Order(StringComparer.Ordinal));
        Assert.Equal(["record"], BadFields(answers[2]));
        Assert.Equal((int)Code.FailedPrecondition, answers[3].Refused.Code);
        Assert.Contains("before the member's birth", answers[3].Refused.Message, StringComparison.Ordinal);
        Assert.All(answers.Take(4).Where(a => a.DeathNoticeOutcome != DeathNoticeOutcome.Unspecified), a => Assert.Equal(DeathNoticeOutcome.Refused, a.DeathNoticeOutcome));
        Assert.Null(answers[4].Refused);
        Assert.Empty(answers[4].Discrepancies);
        Assert.Equal(events, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
    }

    [Fact]
    public async Task Only_the_civil_registry_may_reconcile()
    {
        var call = new ReconciliationService.ReconciliationServiceClient(Hub.Channel(Pki.Bandung)).ReconcileIdentities();
        await call.RequestStream.WriteAsync(Notice("N", "3273014507900001", new Date { Year = 2026, Month = 4, Day = 2 }, "AKTA-1"));
        await call.RequestStream.CompleteAsync();

        var refusal = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.ReadAllAsync().ToListAsync().AsTask());

        Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
    }

    private async Task<List<ReconcileIdentitiesResponse>> ReconcileAsync(IReadOnlyList<ReconcileIdentitiesRequest> requests)
    {
        using var call = Dukcapil.ReconcileIdentities();
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request);
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseStream.ReadAllAsync().ToListAsync();
    }

    private static ReconcileIdentitiesRequest Person(string reference, string nik, string name, Date birthDate, string villageCode = "", Date? deathDate = null) =>
        new()
        {
            RecordReference = reference,
            Person = new CivilRecord { Nik = nik, FullName = name, BirthDate = birthDate, VillageCode = villageCode, DeathDate = deathDate },
        };

    private static ReconcileIdentitiesRequest Notice(string reference, string nik, Date? deathDate, string certificate) =>
        new() { RecordReference = reference, DeathNotice = new DeathNotice { Nik = nik, DeathDate = deathDate, CertificateNumber = certificate } };

    private static List<string> BadFields(ReconcileIdentitiesResponse answer)
    {
        Assert.Equal((int)Code.InvalidArgument, answer.Refused.Code);
        return answer.Refused.Details.Single(any => any.Is(BadRequest.Descriptor)).Unpack<BadRequest>().FieldViolations.Select(v => v.Field).Distinct().ToList();
    }
}
