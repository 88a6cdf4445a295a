using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.ReferenceData;

namespace Interop.Hub.Registry.ChangeHousehold;

/// <summary>
/// Decides one lifecycle step against a household's current state: who may take it, whether the
/// request is well formed, whether the state allows it, and which events it becomes. Pure.
/// </summary>
internal static class ChangeRules
{
    public const int MaxIdempotencyKeyLength = 64;

    /// <summary>Which partner kinds may take each step. Anything not listed is denied.</summary>
    private static readonly Dictionary<Type, PartnerKind[]> Allowed = new()
    {
        [typeof(HouseholdChange.VerifyIdentities)] = [PartnerKind.CivilRegistry],
        [typeof(HouseholdChange.Ratify)] = [PartnerKind.Steward],
        [typeof(HouseholdChange.RejectProposal)] = [PartnerKind.Steward],
        // The civil registry adds the people it registers itself (a birth), and so vouches for them.
        [typeof(HouseholdChange.AddMember)] = [PartnerKind.Steward, PartnerKind.LocalGovernment, PartnerKind.CivilRegistry],
        [typeof(HouseholdChange.RemoveMember)] = [PartnerKind.Steward, PartnerKind.LocalGovernment],
        [typeof(HouseholdChange.ChangeAddress)] = [PartnerKind.Steward, PartnerKind.LocalGovernment],
        [typeof(HouseholdChange.RecordDeath)] = [PartnerKind.Steward, PartnerKind.CivilRegistry, PartnerKind.LocalGovernment],
        [typeof(HouseholdChange.Enroll)] = [PartnerKind.Steward],
        [typeof(HouseholdChange.ExitProgram)] = [PartnerKind.Steward],
        [typeof(HouseholdChange.Deactivate)] = [PartnerKind.Steward],
        [typeof(HouseholdChange.ApproveChange)] = [PartnerKind.Steward],
        [typeof(HouseholdChange.RejectChange)] = [PartnerKind.Steward],
        [typeof(HouseholdChange.GrantIdentityException)] = [PartnerKind.Steward],
        [typeof(HouseholdChange.Split)] = [PartnerKind.Steward, PartnerKind.CivilRegistry],
        [typeof(HouseholdChange.Merge)] = [PartnerKind.Steward, PartnerKind.CivilRegistry],
    };

    /// <summary>
    /// Maker-checker: a local government's change to a household the steward has ratified waits for
    /// the steward's approval. Its changes to a proposal (not yet ratified) apply at once, because
    /// the steward reviews the whole household when ratifying it; the steward's own changes and the
    /// civil registry's (the authoritative source of deaths) always apply at once.
    /// </summary>
    public static bool NeedsApproval(HouseholdChange change, Actor actor, Household household) =>
        actor.Kind == PartnerKind.LocalGovernment
        && household.Status == HouseholdStatus.Active
        && change is HouseholdChange.AddMember or HouseholdChange.RemoveMember or HouseholdChange.ChangeAddress or HouseholdChange.RecordDeath;

    /// <param name="other">For a merge: the household whose family joins (null when it does not exist).</param>
    public static ChangeDecision Decide(ChangeHouseholdCommand command, Household household, RegionTable regions, DateOnly today, Household? other = null)
    {
        var change = command.Change;
        if (change is HouseholdChange.Missing)
        {
            return new ChangeDecision.Invalid([new FieldIssue("change", "name exactly one change")]);
        }

        if (!Allowed.TryGetValue(change.GetType(), out var kinds) || !kinds.Contains(command.Actor.Kind))
        {
            return new ChangeDecision.Forbidden($"A {PartnerIdentity.KindToken(command.Actor.Kind)} partner may not {change.Field.Replace('_', ' ')}.");
        }

        var violations = CheckEnvelope(command);
        // Stored as every free text is: trimmed, in NFC.
        command = command with { EvidenceReference = command.EvidenceReference is { } evidence ? FreeText.Clean(evidence) : null };
        var events = change switch
        {
            HouseholdChange.VerifyIdentities verify => VerifyIdentities(verify, command, household, violations),
            HouseholdChange.AddMember add => AddMember(add, command, household, regions, today, violations),
            HouseholdChange.RemoveMember remove => RemoveMember(remove, command, household, violations),
            HouseholdChange.ChangeAddress move => ChangeAddress(move, command, household, regions, violations),
            HouseholdChange.RecordDeath death => RecordDeath(death, command, household, today, violations),
            HouseholdChange.Enroll enroll => Enroll(enroll, command, violations),
            HouseholdChange.ExitProgram { Program: SocialProgram.Unspecified } => Invalid(violations, "exit_program.program", "is required"),
            HouseholdChange.ApproveChange approve when !Guid.TryParse(approve.ChangeId, out _) => Invalid(violations, "approve_change.change_id", "must be the id of a pending change"),
            HouseholdChange.RejectChange reject when !Guid.TryParse(reject.ChangeId, out _) => Invalid(violations, "reject_change.change_id", "must be the id of a pending change"),
            HouseholdChange.Split split => Checked(() => FamilyCards.CheckSplit(split, regions, violations)),
            HouseholdChange.Merge merge => Checked(() => FamilyCards.CheckMerge(merge, household, violations)),
            HouseholdChange.GrantIdentityException grant => Checked(() => CheckException(grant, command, violations)),
            _ => null,
        };
        if (violations.Count > 0)
        {
            return new ChangeDecision.Invalid(violations);
        }

        var waitsForApproval = NeedsApproval(change, command.Actor, household);
        if (Precondition(change, household, command.Actor, waitsForApproval, other) is { } reason)
        {
            return new ChangeDecision.NotAllowed(reason);
        }

        switch (change)
        {
            case HouseholdChange.Split split:
                return FamilyCards.Split(split, command, household);
            case HouseholdChange.Merge:
                return FamilyCards.Merge(command, household, other ?? throw new InvalidOperationException("A merge is decided with the other household."));
        }

        var effects = events ?? Decided(change, command, household);
        return new ChangeDecision.Accepted(waitsForApproval
            ? [new ChangeAwaitingApproval(PendingChange.Of(Guid.CreateVersion7(), effects.Single()), command.Actor, FreeText.Clean(command.Reason), command.EvidenceReference)]
            : effects);
    }

    /// <summary>What every change carries besides the step itself: its key, reason and evidence, checked before anything is looked up.</summary>
    public static List<FieldIssue> CheckEnvelope(ChangeHouseholdCommand command)
    {
        var violations = new List<FieldIssue>();
        ProposalRules.RequireText(violations, "reason", command.Reason, ProposalRules.MaxReasonLength);
        ProposalRules.RequireText(violations, "idempotency_key", command.IdempotencyKey, MaxIdempotencyKeyLength);
        if (command.EvidenceReference is { } evidence)
        {
            ProposalRules.CheckText(violations, "evidence_reference", evidence, ProposalRules.MaxEvidenceReferenceLength);
        }

        return violations;
    }

    /// <summary>The pending change named by an approval or rejection, if the household has it.</summary>
    private static PendingChange? Pending(Household household, string changeId) =>
        Guid.TryParse(changeId, out var id) ? household.PendingChanges.FirstOrDefault(pending => pending.ChangeId == id) : null;

    /// <summary>The request that would make a pending change, to check it again against the household as it is now.</summary>
    private static HouseholdChange AsRequest(PendingChange pending) => pending.Effect switch
    {
        MemberAdded added => new HouseholdChange.AddMember(new MemberDraft(
            added.Member.Nik,
            added.Member.FullName,
            new DateParts(added.Member.BirthDate.Year, added.Member.BirthDate.Month, added.Member.BirthDate.Day),
            added.Member.Sex,
            added.Member.Relationship)),
        MemberRemoved removed => new HouseholdChange.RemoveMember(removed.Nik),
        AddressChanged moved => new HouseholdChange.ChangeAddress(moved.VillageCode, moved.AddressLine),
        MemberDied died => new HouseholdChange.RecordDeath(died.Nik, new DateParts(died.DeathDate.Year, died.DeathDate.Month, died.DeathDate.Day)),
        _ => throw new InvalidOperationException("A pending change without an effect."),
    };

    /// <summary>Why the household's state does not allow the change, or null when it does.</summary>
    /// <param name="actor">Who asks for the change (for an approval: who asked for the pending change).</param>
    /// <param name="waitsForApproval">The change will wait for the steward, who checks it again when it would take effect.</param>
    private static string? Precondition(HouseholdChange change, Household household, Actor actor, bool waitsForApproval, Household? other = null)
    {
        if (household.MergedInto is { } survivor)
        {
            return $"The household was merged into household {survivor} and can no longer change; change the survivor instead.";
        }

        if (household.IsClosed)
        {
            return $"The household is {household.Status.ToString().ToLowerInvariant()} and can no longer change.";
        }

        return change switch
        {
            HouseholdChange.ApproveChange approve when Pending(household, approve.ChangeId) is not { } pending =>
                "No change with that id waits for approval on this household (it may have been decided already).",
            HouseholdChange.ApproveChange approve when Pending(household, approve.ChangeId) is { } pending
                && Precondition(AsRequest(pending), household, pending.Effect.Actor, waitsForApproval: false) is { } stale =>
                $"The pending change no longer fits the household: {stale} Reject it instead.",
            HouseholdChange.RejectChange reject when Pending(household, reject.ChangeId) is null =>
                "No change with that id waits for approval on this household (it may have been decided already).",
            HouseholdChange.VerifyIdentities when household.Status is HouseholdStatus.Verified or HouseholdStatus.Active && !AwaitsJudgement(household) =>
                "Every member's identity is already confirmed, and no person waits in a pending addition; there is nothing to verify.",
            HouseholdChange.Ratify when household.Status == HouseholdStatus.Active => "The household is already ratified.",
            HouseholdChange.Ratify when household.UnclearedMembers.Count is > 0 and var unconfirmed =>
                (household.Status == HouseholdStatus.VerificationFailed
                    ? "The civil registry did not confirm every member; a proposal that failed verification cannot be ratified"
                    : "The members' identities have not been verified by the civil registry yet")
                + $": {unconfirmed} member(s) have no confirmation. The civil registry judges them (verify_identities), or the steward records an identity exception for each (grant_identity_exception).",
            HouseholdChange.Ratify when household.OpenConflictCaseId is { } conflict =>
                $"Conflict case {conflict} holds the household (a member's NIK is active in another household, or it likely duplicates one) until the steward resolves it.",
            HouseholdChange.RejectProposal when household.Status == HouseholdStatus.Active => "The household is already ratified; deactivate it instead.",
            HouseholdChange.AddMember add when household.Members.Any(member => member.Nik == add.Member.Nik) => "That NIK is already a member of this household.",
            HouseholdChange.AddMember { Member.Relationship: Relationship.Head } => "The household already has a head.",
            HouseholdChange.AddMember when household.Members.Count >= ProposalRules.MaxMembers =>
                $"The household already has {household.Members.Count} members; a family card holds at most {ProposalRules.MaxMembers}.",
            HouseholdChange.AddMember add when household.Status == HouseholdStatus.Active && !waitsForApproval
                && actor.Kind != PartnerKind.CivilRegistry && !household.IsCleared(PersonOf(add.Member)) =>
                "The civil registry has not confirmed that NIK for this household, and an active household admits confirmed people only: "
                + "the civil registry judges the person (verify_identities, while the addition waits for approval, or adds the person itself), "
                + "or the steward records an identity exception first (grant_identity_exception).",
            HouseholdChange.GrantIdentityException grant when household.ExceptedNiks.Contains(grant.Nik) =>
                "An identity exception for that NIK is already recorded on this household.",
            HouseholdChange.GrantIdentityException grant when household.PeopleUnder(grant.Nik) is { Count: > 0 } people
                && people.All(person => household.IdentityOf(person) == IdentityStatus.Confirmed) =>
                "The civil registry already confirmed that NIK for this household; no exception is needed.",
            HouseholdChange.RemoveMember remove when household.Members.All(member => member.Nik != remove.Nik) => "That NIK is not a member of this household.",
            HouseholdChange.RemoveMember remove when household.Members.Single(member => member.Nik == remove.Nik).Relationship == Relationship.Head =>
                "The head of the family cannot be removed.",
            HouseholdChange.ChangeAddress move when move.VillageCode == household.VillageCode && FreeText.Clean(move.AddressLine) == household.AddressLine =>
                "The household already lives at that address.",
            HouseholdChange.RecordDeath death when household.Members.All(member => member.Nik != death.Nik) => "That NIK is not a member of this household.",
            HouseholdChange.RecordDeath death when household.Deaths.ContainsKey(death.Nik) => "That member's death is already recorded.",
            HouseholdChange.RecordDeath death when death.DeathDate?.ToDate() is { } date && date < household.Members.Single(m => m.Nik == death.Nik).BirthDate =>
                "The death date is before the member's birth date.",
            HouseholdChange.Enroll when household.Status != HouseholdStatus.Active => "Only a ratified (active) household can be enrolled in a program.",
            HouseholdChange.Enroll enroll when household.Programs.Any(p => p.Program == enroll.Membership.Program) => "The household is already enrolled in that program.",
            HouseholdChange.ExitProgram exit when household.Programs.All(p => p.Program != exit.Program) => "The household is not enrolled in that program.",
            HouseholdChange.Deactivate when household.Status != HouseholdStatus.Active => "Only an active household can be deactivated; reject a proposal instead.",
            HouseholdChange.Split split => FamilyCards.SplitPrecondition(split, household),
            HouseholdChange.Merge merge => FamilyCards.MergePrecondition(merge, household, other),
            _ => null,
        };
    }

    /// <summary>An active household has someone for the civil registry to judge: an unconfirmed member, or a person in a pending addition.</summary>
    private static bool AwaitsJudgement(Household household) =>
        household.Members.Concat(household.PendingPeople).Any(person => household.IdentityOf(person) != IdentityStatus.Confirmed);

    /// <summary>The person a well-formed add-member request names, as the household would hold them.</summary>
    private static HouseholdMember PersonOf(MemberDraft draft) =>
        new(draft.Nik, FreeText.Clean(draft.FullName), draft.BirthDate?.ToDate() ?? default, draft.Sex, draft.Relationship);

    /// <summary>
    /// A proposal's verification judges every member not yet confirmed (and may judge the others
    /// again). On an active household the civil registry judges only people not yet confirmed: its
    /// unconfirmed members and the people of pending additions, so that the steward can approve them.
    /// </summary>
    private static List<IHouseholdEvent> VerifyIdentities(
        HouseholdChange.VerifyIdentities verify, ChangeHouseholdCommand command, Household household, List<FieldIssue> violations)
    {
        var active = household.Status == HouseholdStatus.Active;
        var judgeable = active
            ? household.Members.Concat(household.PendingPeople).Where(person => household.IdentityOf(person) != IdentityStatus.Confirmed).Select(person => person.Nik).ToHashSet(StringComparer.Ordinal)
            : household.Members.Select(member => member.Nik).ToHashSet(StringComparer.Ordinal);
        if (verify.Checks.Count == 0)
        {
            violations.Add(new("verify_identities.checks", "name at least one verdict"));
        }

        var checkedNiks = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < verify.Checks.Count; index++)
        {
            var check = verify.Checks[index];
            if (check.Verdict == IdentityVerdict.Unspecified)
            {
                violations.Add(new($"verify_identities.checks[{index}].verdict", "is required"));
            }

            if (!judgeable.Contains(check.Nik))
            {
                violations.Add(new(
                    $"verify_identities.checks[{index}].nik",
                    active ? "is neither an unconfirmed member nor a person waiting in a pending addition to this household" : "is not a member of this household"));
            }
            else if (!checkedNiks.Add(check.Nik))
            {
                violations.Add(new($"verify_identities.checks[{index}].nik", "has a verdict twice"));
            }
            else if (household.PeopleUnder(check.Nik).Count > 1)
            {
                // A verdict names a NIK; it must say which person it is about.
                violations.Add(new(
                    $"verify_identities.checks[{index}].nik",
                    "names two different people here (a member and a pending addition, or two pending additions, with other names or birth dates): the steward rejects the wrong addition first"));
            }
        }

        var withoutVerdict = active ? 0 : household.Members.Count(member => household.IdentityOf(member) != IdentityStatus.Confirmed && !checkedNiks.Contains(member.Nik));
        if (withoutVerdict > 0)
        {
            violations.Add(new("verify_identities.checks", $"every member not yet confirmed needs a verdict; {withoutVerdict} member(s) have none"));
        }

        return [new IdentitiesVerified(verify.Checks, command.Actor, FreeText.Clean(command.Reason), command.EvidenceReference)];
    }

    private static List<IHouseholdEvent> AddMember(
        HouseholdChange.AddMember add, ChangeHouseholdCommand command, Household household, RegionTable regions, DateOnly today, List<FieldIssue> violations)
    {
        var warnings = new List<FieldIssue>();
        var member = ProposalRules.CheckMember(add.Member, "add_member.member", regions, today, violations, warnings);
        return member is null ? [] : [new MemberAdded(member, command.Actor, FreeText.Clean(command.Reason), command.EvidenceReference)];
    }

    private static List<IHouseholdEvent> RemoveMember(HouseholdChange.RemoveMember remove, ChangeHouseholdCommand command, Household household, List<FieldIssue> violations)
    {
        if (!IdentityNumbers.IsSixteenDigits(remove.Nik))
        {
            violations.Add(new("remove_member.nik", "must be exactly 16 digits"));
        }

        return [new MemberRemoved(remove.Nik, command.Actor, FreeText.Clean(command.Reason), command.EvidenceReference)];
    }

    private static List<IHouseholdEvent> ChangeAddress(
        HouseholdChange.ChangeAddress move, ChangeHouseholdCommand command, Household household, RegionTable regions, List<FieldIssue> violations)
    {
        ProposalRules.CheckVillage(move.VillageCode, regions, violations, "change_address.village_code");
        ProposalRules.RequireText(violations, "change_address.address_line", move.AddressLine, ProposalRules.MaxAddressLength);
        return [new AddressChanged(move.VillageCode, FreeText.Clean(move.AddressLine), household.VillageCode, command.Actor, FreeText.Clean(command.Reason), command.EvidenceReference)];
    }

    private static List<IHouseholdEvent> RecordDeath(
        HouseholdChange.RecordDeath death, ChangeHouseholdCommand command, Household household, DateOnly today, List<FieldIssue> violations)
    {
        if (!IdentityNumbers.IsSixteenDigits(death.Nik))
        {
            violations.Add(new("record_death.nik", "must be exactly 16 digits"));
        }

        var date = ProposalRules.CheckBirthDate(death.DeathDate, today, "record_death.death_date", violations);
        return date is null ? [] : [new MemberDied(death.Nik, date.Value, command.Actor, FreeText.Clean(command.Reason), command.EvidenceReference)];
    }

    private static List<IHouseholdEvent> Enroll(HouseholdChange.Enroll enroll, ChangeHouseholdCommand command, List<FieldIssue> violations)
    {
        var membership = enroll.Membership;
        switch (membership.Program)
        {
            case SocialProgram.Unspecified:
                violations.Add(new("enroll_in_program.membership.program", "is required"));
                break;
            case SocialProgram.Pkh when membership.Components.Count == 0:
                violations.Add(new("enroll_in_program.membership.components", "PKH pays by family component: name at least one"));
                break;
            case SocialProgram.Bpnt when membership.Components.Count > 0:
                violations.Add(new("enroll_in_program.membership.components", "BPNT has no family components"));
                break;
        }

        if (membership.Components.Contains(PkhComponent.Unspecified))
        {
            violations.Add(new("enroll_in_program.membership.components", "every component must be specified"));
        }

        return [new ProgramEnrolled(membership with { Components = membership.Components.Distinct().ToList() }, command.Actor, FreeText.Clean(command.Reason), command.EvidenceReference)];
    }

    /// <summary>An exception is explicit: it names the person and the evidence that stands in for the civil registry's confirmation.</summary>
    private static void CheckException(HouseholdChange.GrantIdentityException grant, ChangeHouseholdCommand command, List<FieldIssue> violations)
    {
        if (!IdentityNumbers.IsSixteenDigits(grant.Nik))
        {
            violations.Add(new("grant_identity_exception.nik", "must be exactly 16 digits"));
        }

        if (string.IsNullOrWhiteSpace(command.EvidenceReference))
        {
            violations.Add(new("evidence_reference", "is required for an identity exception: name the document that stands in for the civil registry's confirmation"));
        }
    }

    /// <summary>Runs checks that only add violations; the step's events come later.</summary>
    private static List<IHouseholdEvent>? Checked(Action check)
    {
        check();
        return null;
    }

    private static List<IHouseholdEvent> Invalid(List<FieldIssue> violations, string field, string description)
    {
        violations.Add(new(field, description));
        return [];
    }

    private static List<IHouseholdEvent> Decided(HouseholdChange change, ChangeHouseholdCommand command, Household household)
    {
        var reason = FreeText.Clean(command.Reason);
        return change switch
        {
            // The approved change follows the approval in the name of the partner that asked for it;
            // a move records where the household lived when the move took effect.
            HouseholdChange.ApproveChange approve when Pending(household, approve.ChangeId) is { } pending =>
            [
                new ChangeApproved(pending.ChangeId, command.Actor, reason, command.EvidenceReference),
                pending.Effect is AddressChanged moved ? moved with { PreviousVillageCode = household.VillageCode } : pending.Effect,
            ],
            HouseholdChange.RejectChange rejected => [new ChangeRejected(Guid.Parse(rejected.ChangeId), command.Actor, reason, command.EvidenceReference)],
            HouseholdChange.Deactivate => [.. Withdrawn(household, command, "the household was deactivated"), Simple(change, command, reason)],
            _ => [Simple(change, command, reason)],
        };
    }

    /// <summary>
    /// A household that closes can no longer take a change: its pending changes are rejected first,
    /// in the name of whoever closed it, so none is left waiting for a decision that cannot come.
    /// </summary>
    public static IEnumerable<ChangeRejected> Withdrawn(Household household, ChangeHouseholdCommand command, string why) =>
        household.PendingChanges.Select(pending => new ChangeRejected(pending.ChangeId, command.Actor, $"withdrawn: {why}", command.EvidenceReference));

    private static IHouseholdEvent Simple(HouseholdChange change, ChangeHouseholdCommand command, string reason)
    {
        return change switch
        {
            HouseholdChange.Ratify => new HouseholdRatified(command.Actor, reason, command.EvidenceReference),
            HouseholdChange.RejectProposal => new ProposalRejected(command.Actor, reason, command.EvidenceReference),
            HouseholdChange.ExitProgram exit => new ProgramExited(exit.Program, command.Actor, reason, command.EvidenceReference),
            HouseholdChange.Deactivate => new HouseholdDeactivated(command.Actor, reason, command.EvidenceReference),
            HouseholdChange.GrantIdentityException grant => new IdentityExceptionGranted(grant.Nik, command.Actor, reason, command.EvidenceReference),
            _ => throw new InvalidOperationException($"No event for {change.Field}."),
        };
    }
}
