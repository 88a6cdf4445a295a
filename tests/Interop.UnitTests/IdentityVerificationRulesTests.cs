using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.ReferenceData;
using JasperFx.Events;

namespace Interop.UnitTests;

/// <summary>
/// No person whose NIK the civil registry never confirmed reaches an active household, unless the
/// steward records an explicit exception: given a household, when a step would bring a person in,
/// then it is refused, or the person's standing says why it may.
/// </summary>
public sealed class IdentityVerificationRulesTests
{
    private static readonly RegionTable Regions = RegionTable.Load(RegionTable.DefaultPath);
    private static readonly DecisionContext At = new(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero), Guid.NewGuid);
    private static readonly Actor Steward = new("kemensos-pusdatin", PartnerKind.Steward);
    private static readonly Actor CivilRegistry = new("dukcapil", PartnerKind.CivilRegistry);
    private static readonly Actor Bandung = new("dinsos-kota-bandung", PartnerKind.LocalGovernment);

    private const string Head = "3273014507900001";
    private const string Child = "3273011203150002";
    private const string Newborn = "3273015503250201";

    private static readonly MemberDraft NewbornDraft = new(Newborn, "Aisyah Putri", new DateParts(2025, 3, 15), Sex.Female, Relationship.Child);

    [Fact]
    public void A_person_added_to_a_verified_proposal_sends_it_back_to_verification_and_blocks_ratification_until_judged()
    {
        var verified = Verified();

        var added = Applied(verified, Accepted(verified, new HouseholdChange.AddMember(NewbornDraft), Bandung));

        Assert.Equal((HouseholdStatus.Proposed, IdentityStatus.Unconfirmed), (added.Status, added.IdentityOf(added.Members[^1])));
        Assert.Contains("1 member(s) have no confirmation", Refused(added, new HouseholdChange.Ratify(), Steward), StringComparison.Ordinal);

        // The civil registry judges the new person only: the others stay confirmed.
        var judged = Applied(added, Accepted(added, new HouseholdChange.VerifyIdentities([new(Newborn, IdentityVerdict.Confirmed)]), CivilRegistry));
        Assert.Equal(HouseholdStatus.Verified, judged.Status);
        Assert.IsType<HouseholdRatified>(Assert.Single(Accepted(judged, new HouseholdChange.Ratify(), Steward)));
    }

    [Fact]
    public void Verifying_a_proposal_again_needs_a_verdict_for_every_member_not_yet_confirmed()
    {
        var added = Applied(Verified(), Accepted(Verified(), new HouseholdChange.AddMember(NewbornDraft), Bandung));

        var invalid = Assert.IsType<ChangeDecision.Invalid>(Decide(added, new HouseholdChange.VerifyIdentities([new(Head, IdentityVerdict.Confirmed)]), CivilRegistry));
        var none = Assert.IsType<ChangeDecision.Invalid>(Decide(added, new HouseholdChange.VerifyIdentities([]), CivilRegistry));

        Assert.Contains("1 member(s) have none", Assert.Single(invalid.Violations).Description, StringComparison.Ordinal);
        Assert.Contains(none.Violations, violation => violation.Description == "name at least one verdict");
    }

    [Fact]
    public void A_member_the_civil_registry_could_not_confirm_keeps_the_proposal_out_of_the_register_unless_the_steward_records_an_exception()
    {
        var proposed = Proposed();
        var failed = Applied(proposed, Accepted(proposed, new HouseholdChange.VerifyIdentities([new(Head, IdentityVerdict.Confirmed), new(Child, IdentityVerdict.NotFound)]), CivilRegistry));

        Assert.Contains("failed verification cannot be ratified", Refused(failed, new HouseholdChange.Ratify(), Steward), StringComparison.Ordinal);
        var withoutEvidence = Assert.IsType<ChangeDecision.Invalid>(Decide(failed, new HouseholdChange.GrantIdentityException(Child), Steward));
        Assert.Equal(["evidence_reference"], withoutEvidence.Violations.Select(v => v.Field));
        Assert.IsType<ChangeDecision.Forbidden>(Decide(failed, new HouseholdChange.GrantIdentityException(Child), Bandung, evidence: "BA-2026-17"));

        var excepted = Applied(failed, Accepted(failed, new HouseholdChange.GrantIdentityException(Child), Steward, evidence: "BA-2026-17"));

        Assert.Equal(IdentityStatus.Excepted, excepted.IdentityOf(excepted.Members[1]));
        Assert.IsType<HouseholdRatified>(Assert.Single(Accepted(excepted, new HouseholdChange.Ratify(), Steward)));
        Assert.Contains("already recorded", Refused(excepted, new HouseholdChange.GrantIdentityException(Child), Steward, evidence: "BA-2026-17"), StringComparison.Ordinal);
        Assert.Contains("already confirmed", Refused(excepted, new HouseholdChange.GrantIdentityException(Head), Steward, evidence: "BA-2026-17"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_active_household_admits_the_stewards_new_person_only_after_an_exception_and_the_civil_registrys_own_at_once()
    {
        var active = Active();

        Assert.Contains("has not confirmed that NIK", Refused(active, new HouseholdChange.AddMember(NewbornDraft), Steward), StringComparison.Ordinal);

        var byCivilRegistry = Applied(active, Accepted(active, new HouseholdChange.AddMember(NewbornDraft), CivilRegistry));
        Assert.Equal((HouseholdStatus.Active, IdentityStatus.Confirmed), (byCivilRegistry.Status, byCivilRegistry.IdentityOf(byCivilRegistry.Members[^1])));

        var excepted = Applied(active, Accepted(active, new HouseholdChange.GrantIdentityException(Newborn), Steward, evidence: "SKL-2025-0315"));
        var bySteward = Applied(excepted, Accepted(excepted, new HouseholdChange.AddMember(NewbornDraft), Steward));
        Assert.Equal((HouseholdStatus.Active, IdentityStatus.Excepted), (bySteward.Status, bySteward.IdentityOf(bySteward.Members[^1])));
    }

    [Fact]
    public void A_regencys_new_person_waits_for_approval_and_the_steward_can_approve_only_once_the_civil_registry_confirmed_the_person()
    {
        var active = Active();
        var awaiting = Applied(active, Accepted(active, new HouseholdChange.AddMember(NewbornDraft), Bandung));
        var changeId = Assert.Single(awaiting.PendingChanges).ChangeId.ToString();

        Assert.Contains("has not confirmed that NIK", Refused(awaiting, new HouseholdChange.ApproveChange(changeId), Steward), StringComparison.Ordinal);
        var notPending = Assert.IsType<ChangeDecision.Invalid>(Decide(awaiting, new HouseholdChange.VerifyIdentities([new(Head, IdentityVerdict.Confirmed)]), CivilRegistry));
        Assert.Equal(["verify_identities.checks[0].nik"], notPending.Violations.Select(v => v.Field));

        var judged = Applied(awaiting, Accepted(awaiting, new HouseholdChange.VerifyIdentities([new(Newborn, IdentityVerdict.Confirmed)]), CivilRegistry));
        var approved = Applied(judged, Accepted(judged, new HouseholdChange.ApproveChange(changeId), Steward));

        Assert.Equal(HouseholdStatus.Active, judged.Status);
        Assert.Equal((3, IdentityStatus.Confirmed), (approved.Members.Count, approved.IdentityOf(approved.Members[^1])));
        var again = Assert.IsType<ChangeDecision.Invalid>(Decide(approved, new HouseholdChange.VerifyIdentities([new(Newborn, IdentityVerdict.Confirmed)]), CivilRegistry));
        Assert.Equal(["verify_identities.checks[0].nik"], again.Violations.Select(v => v.Field));
        Assert.Contains("nothing to verify", Refused(judged with { Status = HouseholdStatus.Verified, PendingChanges = [] }, new HouseholdChange.VerifyIdentities([new(Head, IdentityVerdict.Confirmed)]), CivilRegistry), StringComparison.Ordinal);
    }

    [Fact]
    public void Unconfirmed_people_cannot_split_off_or_join_another_active_household()
    {
        var active = Active() with { Confirmed = [.. Active().Confirmed.Where(person => person.Nik == Head)] };
        var other = Active() with
        {
            Id = Guid.NewGuid(),
            Members = [new HouseholdMember("3273014101600003", "Sumiati", new DateOnly(1960, 1, 1), Sex.Female, Relationship.Head)],
            Confirmed = [],
        };

        var split = Refused(active, new HouseholdChange.Split([new NewRelationship(Child, Relationship.Head)], "3273010101209901", "32.73.02.1001", "Jl. Cihampelas 4"), CivilRegistry);
        var merge = ChangeRules.Decide(
            Command(Active(), new HouseholdChange.Merge(other.Id.ToString(), other.Version, [new NewRelationship("3273014101600003", Relationship.Parent)]), Steward),
            Active(),
            new ChangeContext(At, Regions, other));

        Assert.Contains("no confirmation from the civil registry", split, StringComparison.Ordinal);
        Assert.Contains("no confirmation from the civil registry", Assert.IsType<ChangeDecision.NotAllowed>(merge).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Moving_people_keep_their_standing_in_the_household_they_join()
    {
        var household = Active() with { Confirmed = [.. Active().Confirmed.Where(person => person.Nik == Head)], ExceptedNiks = [Child] };

        var accepted = Assert.IsType<ChangeDecision.Accepted>(Decide(
            household, new HouseholdChange.Split([new NewRelationship(Child, Relationship.Head)], "3273010101209901", "32.73.02.1001", "Jl. Cihampelas 4"), CivilRegistry));

        var formed = Assert.IsType<SplitOff>(Assert.Single(Assert.Single(accepted.Others).Events));
        Assert.Empty(formed.ConfirmedNiks!);
        Assert.Equal([Child], formed.ExceptedNiks!);
        var started = Interop.Hub.Registry.Household.Create(Stamped(formed, 1));
        Assert.Equal(IdentityStatus.Excepted, started.IdentityOf(started.Members.Single()));
    }

    [Fact]
    public void A_person_who_leaves_takes_the_confirmation_along_so_the_nik_with_other_data_is_judged_anew()
    {
        var verified = Verified();
        var removed = Applied(verified, Accepted(verified, new HouseholdChange.RemoveMember(Child), Bandung));
        var other = new MemberDraft(Child, "Andi Saputra", new DateParts(2015, 3, 12), Sex.Male, Relationship.Child);

        var readded = Applied(removed, Accepted(removed, new HouseholdChange.AddMember(other), Bandung));

        Assert.Equal((HouseholdStatus.Proposed, IdentityStatus.Unconfirmed), (readded.Status, readded.IdentityOf(readded.Members[^1])));
        Assert.Contains("1 member(s) have no confirmation", Refused(readded, new HouseholdChange.Ratify(), Steward), StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_nik_with_other_data_is_another_person_in_an_active_household_too()
    {
        var active = Active();
        var removed = Applied(active, Accepted(active, new HouseholdChange.RemoveMember(Child), Steward));
        var other = new MemberDraft(Child, "Andi Saputra", new DateParts(2015, 3, 12), Sex.Male, Relationship.Child);

        Assert.Contains("has not confirmed that NIK", Refused(removed, new HouseholdChange.AddMember(other), Steward), StringComparison.Ordinal);
        var asked = Applied(removed, Accepted(removed, new HouseholdChange.AddMember(other), Bandung));
        var judged = Applied(asked, Accepted(asked, new HouseholdChange.VerifyIdentities([new(Child, IdentityVerdict.Confirmed)]), CivilRegistry));
        Assert.Equal(IdentityStatus.Confirmed, judged.IdentityOf(judged.PendingPeople.Single()));
    }

    [Fact]
    public void Two_pending_people_under_one_nik_cannot_be_judged_and_a_rejected_addition_takes_its_confirmation_along()
    {
        var active = Active();
        var first = Applied(active, Accepted(active, new HouseholdChange.AddMember(NewbornDraft), Bandung));
        var second = Applied(first, Accepted(first, new HouseholdChange.AddMember(NewbornDraft with { FullName = "Aisyah Rahma" }), Bandung));

        var ambiguous = Assert.IsType<ChangeDecision.Invalid>(Decide(second, new HouseholdChange.VerifyIdentities([new(Newborn, IdentityVerdict.Confirmed)]), CivilRegistry));
        Assert.Contains("two different people", Assert.Single(ambiguous.Violations).Description, StringComparison.Ordinal);

        var judged = Applied(first, Accepted(first, new HouseholdChange.VerifyIdentities([new(Newborn, IdentityVerdict.Confirmed)]), CivilRegistry));
        var rejected = Applied(judged, Accepted(judged, new HouseholdChange.RejectChange(judged.PendingChanges.Single().ChangeId.ToString()), Steward));
        Assert.DoesNotContain(rejected.Confirmed, person => person.Nik == Newborn);
    }

    [Fact]
    public void A_family_card_holds_at_most_thirty_people_after_an_addition_or_a_merge()
    {
        var full = Active() with
        {
            Members = [.. Enumerable.Range(1, ProposalRules.MaxMembers).Select(serial => new HouseholdMember($"32730112031500{serial:D2}", "Anak", new DateOnly(2015, 3, 12), Sex.Male, serial == 1 ? Relationship.Head : Relationship.Child))],
        };
        full = full with { Confirmed = [.. full.Members.Select(ConfirmedPerson.Of)], ExceptedNiks = [Newborn] };
        var other = Active() with { Id = Guid.NewGuid() };

        var merge = ChangeRules.Decide(
            Command(full, new HouseholdChange.Merge(other.Id.ToString(), other.Version, [new NewRelationship(Head, Relationship.Parent), new NewRelationship(Child, Relationship.OtherRelative)]), Steward),
            full,
            new ChangeContext(At, Regions, other));

        Assert.Contains("at most 30", Refused(full, new HouseholdChange.AddMember(NewbornDraft), CivilRegistry), StringComparison.Ordinal);
        Assert.Contains("at most 30", Assert.IsType<ChangeDecision.NotAllowed>(merge).Reason, StringComparison.Ordinal);
    }

    private static Household Proposed() =>
        Interop.Hub.Registry.Household.Create(Stamped(
            new HouseholdProposed(
                "BDG-1",
                "3273010101200001",
                "32.73.01.1001",
                "Jl. Sukarasa No. 12",
                [
                    new HouseholdMember(Head, "Siti Rahmawati", new DateOnly(1990, 7, 5), Sex.Female, Relationship.Head),
                    new HouseholdMember(Child, "Rizky Pratama", new DateOnly(2015, 3, 12), Sex.Male, Relationship.Child),
                ],
                Bandung,
                "survey",
                null),
            1));

    private static Household Verified()
    {
        var proposed = Proposed();
        return Applied(proposed, Accepted(proposed, new HouseholdChange.VerifyIdentities([new(Head, IdentityVerdict.Confirmed), new(Child, IdentityVerdict.Confirmed)]), CivilRegistry));
    }

    private static Household Active()
    {
        var verified = Verified();
        return Applied(verified, Accepted(verified, new HouseholdChange.Ratify(), Steward));
    }

    private static IReadOnlyList<IHouseholdEvent> Accepted(Household household, HouseholdChange change, Actor actor, string? evidence = null) =>
        Assert.IsType<ChangeDecision.Accepted>(Decide(household, change, actor, evidence)).Events;

    private static string Refused(Household household, HouseholdChange change, Actor actor, string? evidence = null) =>
        Assert.IsType<ChangeDecision.NotAllowed>(Decide(household, change, actor, evidence)).Reason;

    private static ChangeDecision Decide(Household household, HouseholdChange change, Actor actor, string? evidence = null) =>
        ChangeRules.Decide(Command(household, change, actor) with { EvidenceReference = evidence }, household, new ChangeContext(At, Regions));

    private static ChangeHouseholdCommand Command(Household household, HouseholdChange change, Actor actor) =>
        new(household.Id, household.Version, "key-1", "because", null, change, actor);

    /// <summary>The household after the events, folded as the store folds them.</summary>
    private static Household Applied(Household household, IReadOnlyList<IHouseholdEvent> events) =>
        events.Aggregate(household, (state, change) => (Household)typeof(Household)
            .GetMethod(nameof(Interop.Hub.Registry.Household.Apply), [typeof(IEvent<>).MakeGenericType(change.GetType())])!
            .Invoke(state, [Stamped((dynamic)change, state.Version + 1)])!);

    private static IEvent<T> Stamped<T>(T data, long version)
        where T : notnull =>
        new Event<T>(data) { Version = version, Timestamp = DateTimeOffset.UnixEpoch, StreamId = Guid.NewGuid() };
}
