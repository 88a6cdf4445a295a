using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.ReferenceData;

namespace Interop.UnitTests;

/// <summary>Given a household's state, when a partner takes a step, then these events (or this refusal).</summary>
public sealed class ChangeRulesTests
{
    private static readonly RegionTable Regions = RegionTable.Load(RegionTable.DefaultPath);
    private static readonly DecisionContext At = new(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero), Guid.NewGuid);
    private static readonly Actor Steward = new("kemensos-pusdatin", PartnerKind.Steward);
    private static readonly Actor CivilRegistry = new("dukcapil", PartnerKind.CivilRegistry);
    private static readonly Actor Bandung = new("dinsos-kota-bandung", PartnerKind.LocalGovernment);

    [Fact]
    public void A_proposal_whose_members_are_all_confirmed_is_verified_and_one_with_a_missing_person_fails()
    {
        var proposed = Household(HouseholdStatus.Proposed);
        var confirmed = new HouseholdChange.VerifyIdentities([new("3273014507900001", IdentityVerdict.Confirmed), new("3273011203150002", IdentityVerdict.Confirmed)]);
        var oneMissing = new HouseholdChange.VerifyIdentities([new("3273014507900001", IdentityVerdict.Confirmed), new("3273011203150002", IdentityVerdict.NotFound)]);

        var verified = Assert.IsType<ChangeDecision.Accepted>(Decide(proposed, confirmed, CivilRegistry));
        var failed = Assert.IsType<ChangeDecision.Accepted>(Decide(proposed, oneMissing, CivilRegistry));

        Assert.Equal(CivilRegistry, Assert.IsType<IdentitiesVerified>(Assert.Single(verified.Events)).Actor);
        Assert.Equal(IdentityVerdict.NotFound, Assert.IsType<IdentitiesVerified>(Assert.Single(failed.Events)).Checks[1].Verdict);
    }

    [Fact]
    public void Every_member_needs_a_verdict_and_only_members_may_have_one()
    {
        var partial = new HouseholdChange.VerifyIdentities([new("3273014507900001", IdentityVerdict.Confirmed), new("3273019999990001", IdentityVerdict.Confirmed)]);

        var invalid = Assert.IsType<ChangeDecision.Invalid>(Decide(Household(HouseholdStatus.Proposed), partial, CivilRegistry));

        Assert.Equal(["verify_identities.checks[1].nik", "verify_identities.checks"], invalid.Violations.Select(v => v.Field));
    }

    [Theory]
    [InlineData("Proposed", "not been verified")]
    [InlineData("VerificationFailed", "cannot be ratified")]
    [InlineData("Active", "already ratified")]
    [InlineData("Deactivated", "can no longer change")]
    public void Only_a_verified_household_can_be_ratified(string status, string because)
    {
        var refused = Assert.IsType<ChangeDecision.NotAllowed>(Decide(Household(Enum.Parse<HouseholdStatus>(status)), new HouseholdChange.Ratify(), Steward));

        Assert.Contains(because, refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_regency_may_move_a_household_but_not_ratify_it()
    {
        var verified = Household(HouseholdStatus.Verified);

        var move = Assert.IsType<ChangeDecision.Accepted>(Decide(verified, new HouseholdChange.ChangeAddress("33.74.01.1001", "Jl. Pemuda 1"), Bandung));
        var ratify = Decide(verified, new HouseholdChange.Ratify(), Bandung);

        Assert.Equal("32.73.01.1001", Assert.IsType<AddressChanged>(Assert.Single(move.Events)).PreviousVillageCode);
        Assert.IsType<ChangeDecision.Forbidden>(ratify);
    }

    [Fact]
    public void A_merged_away_household_refuses_every_change_and_names_its_survivor()
    {
        var survivor = Guid.NewGuid();
        var merged = Household(HouseholdStatus.Merged) with { MergedInto = survivor };

        var refused = Assert.IsType<ChangeDecision.NotAllowed>(Decide(merged, new HouseholdChange.AddMember(
            new MemberDraft("3273015503250201", "Aisyah", new DateParts(2025, 3, 15), Sex.Female, Relationship.Child)), Bandung));

        Assert.Contains(survivor.ToString(), refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_death_cannot_precede_the_birth_or_be_recorded_twice()
    {
        var household = Household(HouseholdStatus.Active);
        var died = household with { Deaths = new Dictionary<string, DateOnly> { ["3273011203150002"] = new(2026, 1, 1) } };

        var beforeBirth = Decide(household, new HouseholdChange.RecordDeath("3273011203150002", new DateParts(2014, 1, 1)), CivilRegistry);
        var twice = Decide(died, new HouseholdChange.RecordDeath("3273011203150002", new DateParts(2026, 1, 1)), CivilRegistry);

        Assert.Contains("before the member's birth", Assert.IsType<ChangeDecision.NotAllowed>(beforeBirth).Reason, StringComparison.Ordinal);
        Assert.Contains("already recorded", Assert.IsType<ChangeDecision.NotAllowed>(twice).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_regencys_move_of_a_ratified_household_waits_for_approval_while_the_stewards_applies_at_once()
    {
        var active = Household(HouseholdStatus.Active);
        var move = new HouseholdChange.ChangeAddress("33.74.01.1001", "Jl. Pemuda 1");

        var byRegency = Assert.IsType<ChangeDecision.Accepted>(Decide(active, move, Bandung));
        var bySteward = Assert.IsType<ChangeDecision.Accepted>(Decide(active, move, Steward));

        var awaiting = Assert.IsType<ChangeAwaitingApproval>(Assert.Single(byRegency.Events));
        Assert.Equal(awaiting.Change.ChangeId, byRegency.PendingChangeId);
        Assert.Equal(Bandung, awaiting.Change.Effect.Actor);
        Assert.IsType<AddressChanged>(Assert.Single(bySteward.Events));
        Assert.Null(bySteward.PendingChangeId);
    }

    [Fact]
    public void An_approved_move_takes_effect_from_where_the_household_lives_at_approval()
    {
        var changeId = Guid.NewGuid();
        var pending = PendingChange.Of(changeId, new AddressChanged("33.74.01.1001", "Jl. Pemuda 1", "32.73.01.1001", Bandung, "moved", null));
        var household = Household(HouseholdStatus.Active) with { VillageCode = "32.73.01.1003", PendingChanges = [pending] };

        var approved = Assert.IsType<ChangeDecision.Accepted>(Decide(household, new HouseholdChange.ApproveChange(changeId.ToString()), Steward));

        Assert.Equal(changeId, Assert.IsType<ChangeApproved>(approved.Events[0]).ChangeId);
        var moved = Assert.IsType<AddressChanged>(approved.Events[1]);
        Assert.Equal(("32.73.01.1003", Bandung), (moved.PreviousVillageCode, moved.Actor));
    }

    [Fact]
    public void A_split_removes_the_leaving_members_here_and_starts_their_household_with_their_new_relationships()
    {
        var household = Household(HouseholdStatus.Active);
        var split = new HouseholdChange.Split([new NewRelationship("3273011203150002", Relationship.Head)], "3273010101209901", "32.73.02.1001", " Jl. Cihampelas 4 ");

        var accepted = Assert.IsType<ChangeDecision.Accepted>(Decide(household, split, CivilRegistry));

        var left = Assert.IsType<HouseholdSplit>(Assert.Single(accepted.Events));
        var formed = Assert.Single(accepted.Others);
        Assert.Equal((left.NewHouseholdId, (long?)null), (formed.HouseholdId, formed.ReadVersion));
        Assert.Equal(left.NewHouseholdId, accepted.NewHouseholdId);
        var start = Assert.IsType<SplitOff>(Assert.Single(formed.Events));
        Assert.Equal((household.Id, "Jl. Cihampelas 4"), (start.FromHouseholdId, start.AddressLine));
        Assert.Equal([("3273011203150002", Relationship.Head, new DateOnly(2015, 3, 12))], start.Members.Select(m => (m.Nik, m.Relationship, m.BirthDate)));
    }

    [Fact]
    public void A_merge_needs_the_other_household_active_and_every_one_of_its_members_named_without_a_head()
    {
        var household = Household(HouseholdStatus.Active);
        var other = Household(HouseholdStatus.Active) with
        {
            Members = [new HouseholdMember("3273014101600003", "Sumiati", new DateOnly(1960, 1, 1), Sex.Female, Relationship.Head)],
            Confirmed = [new ConfirmedPerson("3273014101600003", "Sumiati", new DateOnly(1960, 1, 1), Sex.Female)],
        };
        var merge = new HouseholdChange.Merge(other.Id.ToString(), other.Version, [new NewRelationship("3273014101600003", Relationship.Parent)]);

        var accepted = Assert.IsType<ChangeDecision.Accepted>(ChangeRules.Decide(Command(household, merge, Steward), household, new ChangeContext(At, Regions, other)));
        var closedOther = ChangeRules.Decide(Command(household, merge, Steward), household, new ChangeContext(At, Regions, other with { Status = HouseholdStatus.Deactivated }));
        var withHead = ChangeRules.Decide(Command(household, merge with { Members = [new NewRelationship("3273014101600003", Relationship.Head)] }, Steward), household, new ChangeContext(At, Regions, other));

        Assert.Equal(Relationship.Parent, Assert.Single(Assert.IsType<FamilyJoined>(Assert.Single(accepted.Events)).Members).Relationship);
        Assert.Equal((other.Id, (long?)other.Version), (accepted.Others[0].HouseholdId, accepted.Others[0].ReadVersion));
        Assert.IsType<JoinedFamily>(Assert.Single(accepted.Others[0].Events));
        Assert.IsType<ChangeDecision.NotAllowed>(closedOther);
        Assert.Equal(["merge_household.members"], Assert.IsType<ChangeDecision.Invalid>(withHead).Violations.Select(v => v.Field));
    }

    [Fact]
    public void Deactivating_a_household_first_rejects_each_pending_change_as_withdrawn()
    {
        var moved = new AddressChanged("32.73.01.1003", "Jl. Braga 2", "32.73.01.1001", Bandung, "moved", null);
        var household = Household(HouseholdStatus.Active) with { PendingChanges = [PendingChange.Of(Guid.NewGuid(), moved), PendingChange.Of(Guid.NewGuid(), moved)] };

        var accepted = Assert.IsType<ChangeDecision.Accepted>(Decide(household, new HouseholdChange.Deactivate(), Steward));

        Assert.Equal(
            [.. household.PendingChanges.Select(pending => (pending.ChangeId, "withdrawn: the household was deactivated")), (Guid.Empty, "because")],
            accepted.Events.Select(e => (e is ChangeRejected rejected ? rejected.ChangeId : Guid.Empty, e.Reason)));
        Assert.IsType<HouseholdDeactivated>(accepted.Events[^1]);
        Assert.All(accepted.Events, e => Assert.Equal(Steward, e.Actor));
    }

    private static ChangeHouseholdCommand Command(Household household, HouseholdChange change, Actor actor) =>
        new(household.Id, household.Version, "key-1", "because", null, change, actor);

    private static ChangeDecision Decide(Household household, HouseholdChange change, Actor actor) =>
        ChangeRules.Decide(Command(household, change, actor), household, new ChangeContext(At, Regions));

    /// <summary>A two-member household; past verification, both members are confirmed.</summary>
    private static Household Household(HouseholdStatus status)
    {
        var household = new Household(
            Guid.NewGuid(),
            3,
            status,
            "3273010101200001",
            "32.73.01.1001",
            "Jl. Sukarasa No. 12",
            [
                new HouseholdMember("3273014507900001", "Siti Rahmawati", new DateOnly(1990, 7, 5), Sex.Female, Relationship.Head),
                new HouseholdMember("3273011203150002", "Rizky Pratama", new DateOnly(2015, 3, 12), Sex.Male, Relationship.Child),
            ],
            Bandung,
            "BDG-1",
            DateTimeOffset.UtcNow,
            DateTimeOffset.UtcNow);
        return status is HouseholdStatus.Proposed or HouseholdStatus.VerificationFailed
            ? household
            : household with { Confirmed = [.. household.Members.Select(ConfirmedPerson.Of)] };
    }
}
