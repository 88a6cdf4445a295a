using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;
using ProgramKind = Interop.Contracts.Registry.V1.Program;

namespace Interop.IntegrationTests;

/// <summary>The household lifecycle: every step an event with its actor and reason, every wrong step refused.</summary>
[Collection(HubCollection.Name)]
public sealed class HouseholdLifecycleTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "lifecycle")
{

    private RegistryService.RegistryServiceClient Bandung => Hub.Registry(Pki.Bandung);

    private RegistryService.RegistryServiceClient Dukcapil => Hub.Registry(Pki.CivilRegistry);

    private RegistryService.RegistryServiceClient Ministry => Hub.Registry(Pki.Steward);

    [Fact]
    public async Task A_household_goes_from_proposal_to_deactivation_and_its_history_says_who_did_what_and_why()
    {
        var household = await ActiveHouseholdAsync(201);
        household = await ChangeAsync(Ministry, household, "PKH stage 1 enrolment decree", new ChangeHouseholdRequest
        {
            EnrollInProgram = new EnrollInProgram { Membership = new ProgramMembership { Program = ProgramKind.Pkh, Components = { PkhComponent.PrimarySchoolChild } } },
        });
        // The civil registry adds a person it registered itself: an active household admits confirmed people only.
        household = await ChangeAsync(Dukcapil, household, "birth registered at the civil registry", new ChangeHouseholdRequest
        {
            AddMember = new AddMember
            {
                Member = new Member { Nik = "3273015503250201", FullName = "Aisyah Putri", BirthDate = new Google.Type.Date { Year = 2025, Month = 3, Day = 15 }, Sex = Sex.Female, Relationship = Relationship.Child },
            },
        });
        household = await ChangeAsync(Dukcapil, household, "death certificate issued", new ChangeHouseholdRequest
        {
            RecordDeath = new RecordDeath { Nik = household.Members[1].Nik, DeathDate = new Google.Type.Date { Year = 2026, Month = 3, Day = 1 } },
        });
        household = await ChangeAsync(Ministry, household, "family moved to Semarang", new ChangeHouseholdRequest
        {
            ChangeAddress = new ChangeAddress { VillageCode = "33.74.01.1001", AddressLine = "Jl. Pemuda No. 7 RT 01/RW 02" },
        });
        household = await ChangeAsync(Ministry, household, "graduated from PKH", new ChangeHouseholdRequest { ExitProgram = new ExitProgram { Program = ProgramKind.Pkh } });
        household = await ChangeAsync(Ministry, household, "household no longer eligible", new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() });

        Assert.Equal(HouseholdStatus.Deactivated, household.Status);
        Assert.Equal(9, household.Version);
        Assert.Equal("33.74.01.1001", household.VillageCode);
        Assert.Equal(3, household.Members.Count);
        Assert.Equal(new Google.Type.Date { Year = 2026, Month = 3, Day = 1 }, household.Members[1].DeathDate);
        Assert.Null(household.Members[0].DeathDate);
        Assert.Empty(household.Programs);

        var history = await Ministry.StreamHouseholdHistory(new StreamHouseholdHistoryRequest { HouseholdId = household.HouseholdId })
            .ResponseStream.ReadAllAsync().Select(response => response.Event).ToListAsync();
        Assert.Equal(
            [
                (HouseholdEvent.ChangeOneofCase.HouseholdProposed, "dinsos-kota-bandung"),
                (HouseholdEvent.ChangeOneofCase.IdentitiesVerified, "dukcapil"),
                (HouseholdEvent.ChangeOneofCase.HouseholdRatified, "kemensos-pusdatin"),
                (HouseholdEvent.ChangeOneofCase.ProgramEnrolled, "kemensos-pusdatin"),
                (HouseholdEvent.ChangeOneofCase.MemberAdded, "dukcapil"),
                (HouseholdEvent.ChangeOneofCase.MemberDied, "dukcapil"),
                (HouseholdEvent.ChangeOneofCase.AddressChanged, "kemensos-pusdatin"),
                (HouseholdEvent.ChangeOneofCase.ProgramExited, "kemensos-pusdatin"),
                (HouseholdEvent.ChangeOneofCase.HouseholdDeactivated, "kemensos-pusdatin"),
            ],
            history.Select(e => (e.ChangeCase, e.Actor.PartnerId)));
        Assert.Equal(Enumerable.Range(1, 9).Select(v => (long)v), history.Select(e => e.Version));
        Assert.Equal("family moved to Semarang", history[6].Reason);
        Assert.Equal("32.73.01.1002", history[6].AddressChanged.PreviousVillageCode);
        Assert.All(history, e => Assert.NotEmpty(e.Reason));
    }

    [Fact]
    public async Task Steps_the_households_state_does_not_allow_are_refused_with_a_reason_and_change_nothing()
    {
        var proposed = await ProposeAsync(211);
        await AssertNotAllowedAsync(Ministry, proposed, new ChangeHouseholdRequest { RatifyHousehold = new RatifyHousehold() }, "not been verified");
        await AssertNotAllowedAsync(Ministry, proposed, new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() }, "Only an active household");
        await AssertNotAllowedAsync(Ministry, proposed, new ChangeHouseholdRequest { EnrollInProgram = new EnrollInProgram { Membership = new ProgramMembership { Program = ProgramKind.Bpnt } } }, "Only a ratified");
        await AssertNotAllowedAsync(Bandung, proposed, new ChangeHouseholdRequest { RemoveMember = new RemoveMember { Nik = proposed.Members[0].Nik } }, "head of the family");

        var failed = await ChangeAsync(Dukcapil, proposed, "checked against the population database", new ChangeHouseholdRequest
        {
            VerifyIdentities = new VerifyIdentities
            {
                Checks = { new IdentityCheck { Nik = proposed.Members[0].Nik, Verdict = IdentityVerdict.Confirmed }, new IdentityCheck { Nik = proposed.Members[1].Nik, Verdict = IdentityVerdict.NotFound } },
            },
        });
        Assert.Equal(HouseholdStatus.VerificationFailed, failed.Status);
        await AssertNotAllowedAsync(Ministry, failed, new ChangeHouseholdRequest { RatifyHousehold = new RatifyHousehold() }, "failed verification cannot be ratified");

        var active = await ActiveHouseholdAsync(212);
        await AssertNotAllowedAsync(Ministry, active, new ChangeHouseholdRequest { ExitProgram = new ExitProgram { Program = ProgramKind.Pkh } }, "not enrolled");
        await AssertNotAllowedAsync(Bandung, active, new ChangeHouseholdRequest
        {
            AddMember = new AddMember { Member = active.Members[1].Clone() },
        }, "already a member");
        var died = await ChangeAsync(Dukcapil, active, "death certificate", new ChangeHouseholdRequest { RecordDeath = new RecordDeath { Nik = active.Members[1].Nik, DeathDate = new Google.Type.Date { Year = 2026, Month = 1, Day = 2 } } });
        await AssertNotAllowedAsync(Dukcapil, died, new ChangeHouseholdRequest { RecordDeath = new RecordDeath { Nik = active.Members[1].Nik, DeathDate = new Google.Type.Date { Year = 2026, Month = 1, Day = 2 } } }, "already recorded");

        var closed = await ChangeAsync(Ministry, died, "no longer eligible", new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() });
        await AssertNotAllowedAsync(Bandung, closed, new ChangeHouseholdRequest { ChangeAddress = new ChangeAddress { VillageCode = "32.73.01.1003", AddressLine = "Jl. Isola 2" } }, "can no longer change");
        var rejected = await ChangeAsync(Ministry, failed, "identity could not be confirmed", new ChangeHouseholdRequest { RejectProposal = new RejectProposal() });
        await AssertNotAllowedAsync(Ministry, rejected, new ChangeHouseholdRequest { RatifyHousehold = new RatifyHousehold() }, "rejected");

        Assert.Equal(HouseholdStatus.Rejected, (await GetAsync(proposed.HouseholdId)).Status);
    }

    [Fact]
    public async Task A_partner_may_take_only_the_steps_of_its_kind()
    {
        var proposed = await ProposeAsync(221);
        var verified = await ChangeAsync(Dukcapil, proposed, "population database", HouseholdRequests.VerifyAll(proposed));

        await AssertDeniedAsync(Bandung, verified, new ChangeHouseholdRequest { RatifyHousehold = new RatifyHousehold() });
        await AssertDeniedAsync(Dukcapil, verified, new ChangeHouseholdRequest { EnrollInProgram = new EnrollInProgram { Membership = new ProgramMembership { Program = ProgramKind.Bpnt } } });
        await AssertDeniedAsync(Ministry, verified, HouseholdRequests.VerifyAll(proposed));
        await AssertDeniedAsync(Hub.Registry(Pki.Bank), verified, new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() });
        await AssertDeniedAsync(Hub.Registry(Pki.Auditor), verified, new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() });

        Assert.Equal(verified.Version, (await GetAsync(verified.HouseholdId)).Version);
    }

    [Fact]
    public async Task Malformed_changes_are_refused_with_each_bad_field_named()
    {
        var active = await ActiveHouseholdAsync(231);

        var noChange = await RefusalAsync(Ministry, active, "ok", new ChangeHouseholdRequest());
        var noReason = await RefusalAsync(Ministry, active, " ", new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() });
        var badMember = await RefusalAsync(Bandung, active, "birth", new ChangeHouseholdRequest
        {
            AddMember = new AddMember { Member = new Member { Nik = "32730155032X0201", FullName = "", BirthDate = new Google.Type.Date { Year = 2025, Month = 2, Day = 30 }, Sex = Sex.Female, Relationship = Relationship.Child } },
        });
        var badVillage = await RefusalAsync(Bandung, active, "moved", new ChangeHouseholdRequest { ChangeAddress = new ChangeAddress { VillageCode = "99.99.99.9999", AddressLine = "Jl. X" } });
        var pkhWithoutComponents = await RefusalAsync(Ministry, active, "decree", new ChangeHouseholdRequest { EnrollInProgram = new EnrollInProgram { Membership = new ProgramMembership { Program = ProgramKind.Pkh } } });

        Assert.Equal(["change"], BadFields(noChange));
        Assert.Equal(["reason"], BadFields(noReason));
        Assert.Equal(["add_member.member.birth_date", "add_member.member.full_name", "add_member.member.nik"], BadFields(badMember).Order(StringComparer.Ordinal));
        Assert.Equal(["change_address.village_code"], BadFields(badVillage));
        Assert.Equal(["enroll_in_program.membership.components"], BadFields(pkhWithoutComponents));
        Assert.Equal(active.Version, (await GetAsync(active.HouseholdId)).Version);
    }

    [Fact]
    public async Task Two_partners_racing_on_one_household_give_one_winner_and_one_aborted()
    {
        var active = await ActiveHouseholdAsync(241);
        var move = HouseholdRequests.For(active, "moved within Bandung", new ChangeHouseholdRequest { ChangeAddress = new ChangeAddress { VillageCode = "32.73.01.1003", AddressLine = "Jl. Isola No. 9" } });
        var enroll = HouseholdRequests.For(active, "BPNT enrolment decree", new ChangeHouseholdRequest { EnrollInProgram = new EnrollInProgram { Membership = new ProgramMembership { Program = ProgramKind.Bpnt } } });

        var results = await Task.WhenAll(
            Outcome(() => Bandung.ChangeHouseholdAsync(move).ResponseAsync),
            Outcome(() => Ministry.ChangeHouseholdAsync(enroll).ResponseAsync));

        Assert.Single(results, r => r == StatusCode.OK);
        Assert.Single(results, r => r == StatusCode.Aborted);
        Assert.Equal(active.Version + 1, (await GetAsync(active.HouseholdId)).Version);

        var stale = await Assert.ThrowsAsync<RpcException>(() => Ministry.ChangeHouseholdAsync(HouseholdRequests.For(active, "late", new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() })).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        Assert.Contains($"version {active.Version + 1}", stale.Status.Detail, StringComparison.Ordinal);
        var staleInfo = stale.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal(("STALE_VERSION", active.HouseholdId), (staleInfo.Reason, staleInfo.Metadata["subject"]));

        var unknown = HouseholdRequests.For(active, "late", new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() });
        unknown.HouseholdId = Guid.NewGuid().ToString();
        var notFound = await Assert.ThrowsAsync<RpcException>(() => Ministry.ChangeHouseholdAsync(unknown).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "No household has that household_id."), (notFound.StatusCode, notFound.Status.Detail));
        Assert.Equal(("interop.registry.v1.Household", "the id sent in household_id"), (notFound.GetRpcStatus()!.GetDetail<ResourceInfo>().ResourceType, notFound.GetRpcStatus()!.GetDetail<ResourceInfo>().Description));
    }

    [Fact]
    public async Task A_change_sent_twice_under_one_key_is_stored_once_and_another_change_under_that_key_is_refused()
    {
        var active = await ActiveHouseholdAsync(251);
        var enroll = HouseholdRequests.For(active, "BPNT enrolment decree", new ChangeHouseholdRequest { EnrollInProgram = new EnrollInProgram { Membership = new ProgramMembership { Program = ProgramKind.Bpnt } } });

        var first = await Ministry.ChangeHouseholdAsync(enroll);
        var again = await Ministry.ChangeHouseholdAsync(enroll);
        var other = enroll.Clone();
        other.Reason = "a different reason";
        var conflict = await Assert.ThrowsAsync<RpcException>(() => Ministry.ChangeHouseholdAsync(other).ResponseAsync);

        Assert.Equal(first.Household, again.Household);
        Assert.Equal(active.Version + 1, (await GetAsync(active.HouseholdId)).Version);
        Assert.Equal(StatusCode.AlreadyExists, conflict.StatusCode);
        Assert.Equal(active.HouseholdId, conflict.GetRpcStatus()!.GetDetail<ResourceInfo>().ResourceName);
    }

    [Fact]
    public async Task A_change_to_a_household_that_does_not_exist_is_not_found_and_writes_nothing()
    {
        var ghost = new Household { HouseholdId = Guid.NewGuid().ToString(), Version = 1 };

        var refusal = await Assert.ThrowsAsync<RpcException>(() => Ministry.ChangeHouseholdAsync(HouseholdRequests.For(ghost, new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() })).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, refusal.StatusCode);
        Assert.Equal(0L, await StoreProbe.HouseholdEventCountAsync(ConnectionString));
    }

    private Task<Household> ProposeAsync(int serial) => HouseholdSteps.ProposeAsync(Hub, Pki, serial);

    private Task<Household> ActiveHouseholdAsync(int serial) => HouseholdSteps.ActiveAsync(Hub, Pki, serial);

    private static Task<Household> ChangeAsync(RegistryService.RegistryServiceClient client, Household household, string reason, ChangeHouseholdRequest change) =>
        HouseholdSteps.ChangeAsync(client, household, reason, change);

    private Task<Household> GetAsync(string householdId) => HouseholdSteps.GetAsync(Hub, Pki, householdId);

    private async Task AssertNotAllowedAsync(RegistryService.RegistryServiceClient client, Household household, ChangeHouseholdRequest change, string because)
    {
        var refusal = await Assert.ThrowsAsync<RpcException>(() => client.ChangeHouseholdAsync(HouseholdRequests.For(household, "test", change)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refusal.StatusCode);
        Assert.Contains(because, refusal.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(household.HouseholdId, Assert.Single(refusal.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations).Subject);
        Assert.Equal(household.Version, (await GetAsync(household.HouseholdId)).Version);
    }

    private async Task AssertDeniedAsync(RegistryService.RegistryServiceClient client, Household household, ChangeHouseholdRequest change, long? expectedVersion = null)
    {
        var refusal = await Assert.ThrowsAsync<RpcException>(() => client.ChangeHouseholdAsync(HouseholdRequests.For(household, "test", change, expectedVersion)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
    }

    private async Task<RpcException> RefusalAsync(RegistryService.RegistryServiceClient client, Household household, string reason, ChangeHouseholdRequest change)
    {
        var refusal = await Assert.ThrowsAsync<RpcException>(() => client.ChangeHouseholdAsync(HouseholdRequests.For(household, reason, change)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
        return refusal;
    }

    private static List<string> BadFields(RpcException refusal) =>
        refusal.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(violation => violation.Field).Distinct().ToList();

    private static async Task<StatusCode> Outcome(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException exception)
        {
            return exception.StatusCode;
        }
    }
}
