using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.Conflicts;

namespace Interop.UnitTests;

/// <summary>Given a conflict case and its households as they are now, when the steward resolves it, then these events or this refusal.</summary>
public sealed class ConflictRulesTests
{
    private static readonly Actor Steward = new("kemensos-pusdatin", PartnerKind.Steward);
    private const string SharedNik = "3273011203150002";

    [Fact]
    public void Moving_members_removes_them_from_the_household_they_were_in_and_clears_the_proposal()
    {
        var (conflict, proposed, existing) = Case();

        var accepted = Assert.IsType<ResolutionDecision.Accepted>(ConflictRules.Decide(Command(ConflictResolution.MoveMembers), conflict, proposed, [existing]));

        Assert.Equal(
            [(existing.Id, typeof(MemberRemoved)), (proposed.Id, typeof(ConflictCleared))],
            accepted.Appends.Select(append => (append.Household.Id, append.Change.GetType())));
        Assert.Equal(SharedNik, ((MemberRemoved)accepted.Appends[0].Change).Nik);
        Assert.Equal(ConflictResolution.MoveMembers, accepted.Resolved.Resolution);
    }

    [Fact]
    public void A_proposal_rejected_after_the_case_opened_cannot_be_resolved_any_more()
    {
        var (conflict, proposed, existing) = Case();

        var refused = Assert.IsType<ResolutionDecision.NotAllowed>(
            ConflictRules.Decide(Command(ConflictResolution.MoveMembers), conflict, proposed with { Status = HouseholdStatus.Rejected }, [existing]));

        Assert.Equal(proposed.Id, refused.Subject);
        Assert.Contains("rejected after the case opened", refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_member_who_already_left_the_household_the_case_names_cannot_be_moved()
    {
        var (conflict, proposed, existing) = Case();
        var left = existing with { Members = existing.Members.Where(member => member.Nik != SharedNik).ToList() };

        var refused = Assert.IsType<ResolutionDecision.NotAllowed>(ConflictRules.Decide(Command(ConflictResolution.MoveMembers), conflict, proposed, [left]));
        var closed = Assert.IsType<ResolutionDecision.NotAllowed>(
            ConflictRules.Decide(Command(ConflictResolution.MoveMembers), conflict, proposed, [existing with { Status = HouseholdStatus.Deactivated }]));

        Assert.Contains("niks[0] is no longer a member", refused.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SharedNik, refused.Reason, StringComparison.Ordinal);
        Assert.Contains("niks[0] is no longer a member", closed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_merges_into_a_household_closed_after_the_case_opened()
    {
        var (conflict, proposed, existing) = Case();

        var refused = Assert.IsType<ResolutionDecision.NotAllowed>(
            ConflictRules.Decide(Command(ConflictResolution.MergeIntoExisting), conflict, proposed, [existing with { Status = HouseholdStatus.Deactivated }]));

        Assert.Equal(existing.Id, refused.Subject);
        Assert.Contains("deactivated after the case opened", refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_case_already_settled_or_no_longer_holding_its_proposal_refuses_a_resolution()
    {
        var (conflict, proposed, existing) = Case();

        var settled = ConflictRules.Decide(Command(ConflictResolution.RejectProposal), conflict with { IsOpen = false, Resolution = ConflictResolution.RejectProposal }, proposed, [existing]);
        var released = ConflictRules.Decide(Command(ConflictResolution.RejectProposal), conflict, proposed with { OpenConflictCaseId = null }, [existing]);

        Assert.Contains("already resolved", Assert.IsType<ResolutionDecision.NotAllowed>(settled).Reason, StringComparison.Ordinal);
        Assert.Contains("no longer held by this case", Assert.IsType<ResolutionDecision.NotAllowed>(released).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_family_card_conflict_is_resolved_by_a_merge_or_a_rejection_and_marked_distinct_only_once_the_card_is_free()
    {
        var (conflict, proposed, existing) = Case();
        var cardCase = conflict with { Kind = ConflictKind.FamilyCardInUse, Niks = [] };

        var moved = ConflictRules.Decide(Command(ConflictResolution.MoveMembers), cardCase, proposed, [existing], existing.Id);
        var distinct = ConflictRules.Decide(Command(ConflictResolution.MarkDistinct), cardCase, proposed, [existing], existing.Id);
        var merged = ConflictRules.Decide(Command(ConflictResolution.MergeIntoExisting), cardCase, proposed, [existing], existing.Id);
        var freed = ConflictRules.Decide(Command(ConflictResolution.MarkDistinct), cardCase, proposed, [existing with { Status = HouseholdStatus.Deactivated }], familyCardHolder: null);

        Assert.All([moved, distinct], refused => Assert.Contains("One family card", Assert.IsType<ResolutionDecision.NotAllowed>(refused).Reason, StringComparison.Ordinal));
        Assert.IsType<MergedInto>(Assert.IsType<ResolutionDecision.Accepted>(merged).Appends[0].Change);
        Assert.IsType<ConflictCleared>(Assert.Single(Assert.IsType<ResolutionDecision.Accepted>(freed).Appends).Change);
    }

    [Fact]
    public void Moving_members_needs_the_person_still_on_the_proposal_and_no_other_member_active_elsewhere()
    {
        var (conflict, proposed, existing) = Case();
        var without = proposed with { Members = [proposed.Members[0]] };
        var elsewhere = Guid.NewGuid();

        var left = Assert.IsType<ResolutionDecision.NotAllowed>(ConflictRules.Decide(Command(ConflictResolution.MoveMembers), conflict, without, [existing]));
        var taken = Assert.IsType<ResolutionDecision.NotAllowed>(ConflictRules.Decide(
            Command(ConflictResolution.MoveMembers), conflict, proposed, [existing], memberHolders: new Dictionary<string, Guid> { [proposed.Members[0].Nik] = elsewhere, [SharedNik] = existing.Id }));

        Assert.Contains("no longer a member of the proposal", left.Reason, StringComparison.Ordinal);
        Assert.Equal(elsewhere, taken.Subject);
        Assert.DoesNotContain(proposed.Members[0].Nik, taken.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Moving_members_cannot_clear_a_proposal_whose_family_card_another_open_household_holds()
    {
        var (conflict, proposed, existing) = Case();
        var holder = Guid.NewGuid();

        var refused = Assert.IsType<ResolutionDecision.NotAllowed>(ConflictRules.Decide(Command(ConflictResolution.MoveMembers), conflict, proposed, [existing], holder));

        Assert.Equal(holder, refused.Subject);
    }

    [Fact]
    public void A_rejection_outside_the_case_settles_it_in_the_name_of_whoever_rejected()
    {
        var settled = ConflictRules.Settled(new ProposalRejected(Steward, "duplicate survey form", "BA-7"));

        Assert.Equal((ConflictResolution.RejectProposal, Steward, "BA-7"), (settled.Resolution, settled.Actor, settled.EvidenceReference));
        Assert.Contains("duplicate survey form", settled.Reason, StringComparison.Ordinal);
    }

    private static ResolveConflictCommand Command(ConflictResolution resolution) => new(Guid.NewGuid(), resolution, "key-1", "checked the family cards", null, Steward);

    private static (ConflictCase Conflict, Household Proposed, Household Existing) Case()
    {
        var existing = RegisteredHousehold.Active with
        {
            Members = [.. RegisteredHousehold.Active.Members, new HouseholdMember(SharedNik, "Rizky Pratama", new DateOnly(2015, 3, 12), Sex.Male, Relationship.Child)],
        };
        var caseId = Guid.NewGuid();
        var proposed = RegisteredHousehold.Active with
        {
            Id = Guid.NewGuid(),
            Status = HouseholdStatus.Proposed,
            Members = [new HouseholdMember("3273014101600003", "Sumiati", new DateOnly(1960, 1, 1), Sex.Female, Relationship.Head), existing.Members[1]],
            OpenConflictCaseId = caseId,
            HeldForNikConflict = true,
        };
        var conflict = new ConflictCase(caseId, 1, true, proposed.Id, [existing.Id], [SharedNik], DateTimeOffset.UnixEpoch);
        return (conflict, proposed, existing);
    }
}
