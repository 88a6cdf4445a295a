using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>
/// Verification means every member: no path (a change, a split, a merge, a conflict resolution)
/// brings a person whose NIK the civil registry never confirmed into an active household, unless the
/// steward records an explicit exception that the history shows.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class IdentityVerificationTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "identities")
{

    private RegistryService.RegistryServiceClient Bandung => Hub.Registry(Pki.Bandung);

    private RegistryService.RegistryServiceClient Dukcapil => Hub.Registry(Pki.CivilRegistry);

    private RegistryService.RegistryServiceClient Ministry => Hub.Registry(Pki.Steward);

    [Fact]
    public async Task A_person_added_or_a_nik_replaced_after_verification_keeps_the_proposal_out_of_the_register_until_the_civil_registry_judges_them()
    {
        var proposed = await HouseholdSteps.ProposeAsync(Hub, Pki, 1001);
        var verified = await HouseholdSteps.ChangeAsync(Dukcapil, proposed, "matched against the population database", HouseholdRequests.VerifyAll(proposed));
        Assert.Equal(HouseholdStatus.Verified, verified.Status);

        // The regency replaces the child's NIK (a typing error on the form) and adds a newborn.
        var removed = await HouseholdSteps.ChangeAsync(Bandung, verified, "NIK mistyped on the survey form", new ChangeHouseholdRequest { RemoveMember = new RemoveMember { Nik = verified.Members[1].Nik } });
        var corrected = await HouseholdSteps.ChangeAsync(Bandung, removed, "NIK as on the family card", AddChild("3273011203151001"));
        var added = await HouseholdSteps.ChangeAsync(Bandung, corrected, "born after the survey", AddChild("3273015503251001"));

        Assert.Equal(HouseholdStatus.Proposed, added.Status);
        Assert.Equal(
            [IdentityStatus.Confirmed, IdentityStatus.Unconfirmed, IdentityStatus.Unconfirmed],
            added.Members.Select(member => member.IdentityStatus));
        var refusal = await HouseholdSteps.AssertRefusedAsync(Hub, Pki, Ministry, added, Ratify(), StatusCode.FailedPrecondition, "2 member(s) have no confirmation");
        Assert.Equal(added.HouseholdId, refusal.GetRpcStatus()!.GetDetail<Google.Rpc.PreconditionFailure>().Violations.Single().Subject);

        // Judging the head again is allowed, but the new people must be judged.
        await HouseholdSteps.AssertRefusedAsync(Hub, Pki, Dukcapil, added, HouseholdRequests.Confirm(added.Members[0].Nik), StatusCode.InvalidArgument, "invalid field");
        var judged = await HouseholdSteps.ChangeAsync(Dukcapil, added, "matched the new people", HouseholdRequests.Confirm("3273011203151001", "3273015503251001"));
        var active = await HouseholdSteps.ChangeAsync(Ministry, judged, "ratified in the monthly cycle", Ratify());

        Assert.Equal(HouseholdStatus.Active, active.Status);
        Assert.All(active.Members, member => Assert.Equal(IdentityStatus.Confirmed, member.IdentityStatus));
    }

    [Fact]
    public async Task An_active_household_admits_a_new_person_only_once_the_civil_registry_confirmed_the_person_or_the_steward_recorded_an_exception()
    {
        var active = await HouseholdSteps.ActiveAsync(Hub, Pki, 1011);

        await HouseholdSteps.AssertRefusedAsync(Hub, Pki, Ministry, active, AddChild("3273015503251011"), StatusCode.FailedPrecondition, "civil registry has not confirmed that NIK");

        // The regency's addition waits; the steward cannot approve it before the civil registry judged the child.
        var asked = await Bandung.ChangeHouseholdAsync(HouseholdRequests.For(active, "born last month", AddChild("3273015503251011")));
        await HouseholdSteps.AssertRefusedAsync(Hub, Pki, Ministry, asked.Household, Approve(asked.PendingChangeId), StatusCode.FailedPrecondition, "civil registry has not confirmed that NIK");
        var notFound = await HouseholdSteps.ChangeAsync(Dukcapil, asked.Household, "no birth record", new ChangeHouseholdRequest
        {
            VerifyIdentities = new VerifyIdentities { Checks = { new IdentityCheck { Nik = "3273015503251011", Verdict = IdentityVerdict.NotFound } } },
        });
        Assert.Equal(HouseholdStatus.Active, notFound.Status);
        await HouseholdSteps.AssertRefusedAsync(Hub, Pki, Ministry, notFound, Approve(asked.PendingChangeId), StatusCode.FailedPrecondition, "civil registry has not confirmed that NIK");

        var judged = await HouseholdSteps.ChangeAsync(Dukcapil, notFound, "birth record issued", HouseholdRequests.Confirm("3273015503251011"));
        var approved = await HouseholdSteps.ChangeAsync(Ministry, judged, "birth certificate seen", Approve(asked.PendingChangeId));
        Assert.Equal(IdentityStatus.Confirmed, approved.Members.Single(member => member.Nik == "3273015503251011").IdentityStatus);

        // The civil registry's own addition is confirmed by it.
        var registered = await HouseholdSteps.ChangeAsync(Dukcapil, approved, "birth registered at the civil registry", AddChild("3273014406251011"));
        Assert.Equal(IdentityStatus.Confirmed, registered.Members.Single(member => member.Nik == "3273014406251011").IdentityStatus);
    }

    [Fact]
    public async Task A_nik_that_left_and_comes_back_with_other_data_is_another_person_to_be_judged()
    {
        var active = await HouseholdSteps.ActiveAsync(Hub, Pki, 1051);
        var child = active.Members[1];
        var removed = await HouseholdSteps.ChangeAsync(Ministry, active, "moved out", new ChangeHouseholdRequest { RemoveMember = new RemoveMember { Nik = child.Nik } });
        var other = child.Clone();
        other.FullName = "Andi Saputra";
        other.IdentityStatus = IdentityStatus.Unspecified;

        var asked = await Bandung.ChangeHouseholdAsync(HouseholdRequests.For(removed, "came back (as the form says)", new ChangeHouseholdRequest { AddMember = new AddMember { Member = other } }));
        await HouseholdSteps.AssertRefusedAsync(Hub, Pki, Ministry, asked.Household, Approve(asked.PendingChangeId), StatusCode.FailedPrecondition, "civil registry has not confirmed that NIK");
        var judged = await HouseholdSteps.ChangeAsync(Dukcapil, asked.Household, "matched", HouseholdRequests.Confirm(child.Nik));
        var approved = await HouseholdSteps.ChangeAsync(Ministry, judged, "checked", Approve(asked.PendingChangeId));

        Assert.Equal(("Andi Saputra", IdentityStatus.Confirmed), (approved.Members[^1].FullName, approved.Members[^1].IdentityStatus));
    }

    [Fact]
    public async Task The_stewards_exception_needs_evidence_and_shows_in_the_history_with_its_reason()
    {
        var active = await HouseholdSteps.ActiveAsync(Hub, Pki, 1021);
        var grant = new ChangeHouseholdRequest { GrantIdentityException = new GrantIdentityException { Nik = "3273015503251021" } };
        var withoutEvidence = HouseholdRequests.For(active, "born in a village without civil-registry service", grant);
        withoutEvidence.EvidenceReference = string.Empty;

        var refused = await Assert.ThrowsAsync<RpcException>(() => Ministry.ChangeHouseholdAsync(withoutEvidence).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal("evidence_reference", refused.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Single().Field);
        await HouseholdSteps.AssertRefusedAsync(Hub, Pki, Bandung, active, grant, StatusCode.PermissionDenied, "may not grant identity exception");
        Assert.Equal(active, await HouseholdSteps.GetAsync(Hub, Pki, active.HouseholdId));

        var granted = await Ministry.ChangeHouseholdAsync(HouseholdRequests.For(active, "born in a village without civil-registry service", grant));
        var added = await HouseholdSteps.ChangeAsync(Ministry, granted.Household, "midwife's birth statement", AddChild("3273015503251021"));

        Assert.Equal(IdentityStatus.Excepted, added.Members.Single(member => member.Nik == "3273015503251021").IdentityStatus);
        var exception = (await HouseholdSteps.HistoryAsync(Hub, Pki, active.HouseholdId))[^2];
        Assert.Equal(
            ("3273015503251021", "kemensos-pusdatin", "born in a village without civil-registry service"),
            (exception.IdentityExceptionGranted.Nik, exception.Actor.PartnerId, exception.Reason));
        Assert.NotEmpty(exception.EvidenceReference);
    }

    [Fact]
    public async Task People_who_split_off_or_join_another_family_keep_their_standing_and_no_unconfirmed_person_comes_along()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 1031);
        var granted = await HouseholdSteps.ChangeAsync(Ministry, household, "remote village", new ChangeHouseholdRequest { GrantIdentityException = new GrantIdentityException { Nik = "3273015503251031" } });
        var withExcepted = await HouseholdSteps.ChangeAsync(Ministry, granted, "midwife's birth statement", AddChild("3273015503251031"));

        var split = await Ministry.ChangeHouseholdAsync(HouseholdRequests.For(withExcepted, "new family card", new ChangeHouseholdRequest
        {
            SplitHousehold = new SplitHousehold
            {
                Members =
                {
                    new MemberRelationship { Nik = withExcepted.Members[1].Nik, Relationship = Relationship.Head },
                    new MemberRelationship { Nik = "3273015503251031", Relationship = Relationship.Child },
                },
                FamilyCardNumber = "3273010101209931",
                VillageCode = "32.73.02.1001",
                AddressLine = "Jl. Cihampelas No. 4 RT 01/RW 05",
            },
        }));
        var formed = await HouseholdSteps.GetAsync(Hub, Pki, split.NewHouseholdId);
        Assert.Equal([IdentityStatus.Confirmed, IdentityStatus.Excepted], formed.Members.Select(member => member.IdentityStatus));

        var survivor = await HouseholdSteps.ActiveAsync(Hub, Pki, 1032);
        var merged = await HouseholdSteps.ChangeAsync(Ministry, survivor, "the families live together now", FamilyCardTests.Merge(formed, Relationship.OtherRelative, Relationship.Grandchild));
        Assert.Equal(
            [IdentityStatus.Confirmed, IdentityStatus.Confirmed, IdentityStatus.Confirmed, IdentityStatus.Excepted],
            merged.Members.Select(member => member.IdentityStatus));
    }

    [Fact]
    public async Task A_conflict_resolution_does_not_stand_in_for_the_civil_registry()
    {
        var existing = await HouseholdSteps.ActiveAsync(Hub, Pki, 1041);
        var duplicate = Households.Valid("IDENT-1042", 1042);
        duplicate.Household.Members[1] = existing.Members[1].Clone();
        duplicate.Household.Members[1].IdentityStatus = IdentityStatus.Unspecified;
        var caseId = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Bandung, [duplicate])).Accepted.ConflictCaseId;
        var resolved = await Ministry.ResolveConflictCaseAsync(ConflictCaseTests.Resolve(caseId, ConflictResolution.MoveMembers));

        var moved = await HouseholdSteps.GetAsync(Hub, Pki, resolved.ConflictCase.ProposedHouseholdId);
        Assert.Equal(HouseholdStatus.Proposed, moved.Status);
        Assert.All(moved.Members, member => Assert.Equal(IdentityStatus.Unconfirmed, member.IdentityStatus));
        await HouseholdSteps.AssertRefusedAsync(Hub, Pki, Ministry, moved, Ratify(), StatusCode.FailedPrecondition, "not been verified by the civil registry");

        var verified = await HouseholdSteps.ChangeAsync(Dukcapil, moved, "matched", HouseholdRequests.VerifyAll(moved));
        Assert.Equal(HouseholdStatus.Active, (await HouseholdSteps.ChangeAsync(Ministry, verified, "ratified", Ratify())).Status);
    }

    private static ChangeHouseholdRequest Ratify() => new() { RatifyHousehold = new RatifyHousehold() };

    private static ChangeHouseholdRequest Approve(string changeId) => new() { ApproveChange = new ApproveChange { ChangeId = changeId } };

    /// <summary>A child born in 2025 (or, with the NIK's day over 40, a daughter) with that NIK.</summary>
    private static ChangeHouseholdRequest AddChild(string nik)
    {
        var day = int.Parse(nik.AsSpan(6, 2));
        var (month, year) = (int.Parse(nik.AsSpan(8, 2)), 2000 + int.Parse(nik.AsSpan(10, 2)));
        return new ChangeHouseholdRequest
        {
            AddMember = new AddMember
            {
                Member = new Member
                {
                    Nik = nik,
                    FullName = "Putri Ayu",
                    BirthDate = new Google.Type.Date { Year = year, Month = month, Day = day > 40 ? day - 40 : day },
                    Sex = day > 40 ? Sex.Female : Sex.Male,
                    Relationship = Relationship.Child,
                },
            },
        };
    }
}
