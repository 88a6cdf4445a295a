using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.Conflicts;

/// <summary>
/// Decides the steward's resolution of a conflict case against the households it names as they are
/// now, not as they were when the case opened: a proposal rejected or closed meanwhile, a household
/// closed meanwhile, or a person who already left makes the resolution fail with the reason. Pure.
/// Descriptions name households and the case's NIK positions, never a NIK.
/// </summary>
internal static class ConflictRules
{
    public static IReadOnlyList<FieldIssue> Validate(ResolveConflictCommand command)
    {
        var violations = new List<FieldIssue>();
        ProposalRules.RequireText(violations, "reason", command.Reason, ProposalRules.MaxReasonLength);
        ProposalRules.RequireText(violations, "idempotency_key", command.IdempotencyKey, ChangeRules.MaxIdempotencyKeyLength);
        if (command.EvidenceReference is { } evidence)
        {
            ProposalRules.CheckText(violations, "evidence_reference", evidence, ProposalRules.MaxEvidenceReferenceLength);
        }

        if (command.Resolution == ConflictResolution.Unspecified)
        {
            violations.Add(new("resolution", "is required"));
        }

        return violations;
    }

    /// <param name="existing">The households the case names besides the proposal, as they are now (null for one that does not exist).</param>
    /// <param name="familyCardHolder">The open household holding the proposal's family-card number, if another does.</param>
    /// <param name="memberHolders">The household in which each of the proposal's members' NIKs is active, for those active anywhere.</param>
    public static ResolutionDecision Decide(
        ResolveConflictCommand command,
        ConflictCase conflict,
        Household? proposed,
        IReadOnlyList<Household?> existing,
        Guid? familyCardHolder = null,
        IReadOnlyDictionary<string, Guid>? memberHolders = null)
    {
        if (!conflict.IsOpen)
        {
            return new ResolutionDecision.NotAllowed(conflict.Id, $"The case was already resolved ({conflict.Resolution}).");
        }

        if (proposed is null)
        {
            return new ResolutionDecision.NotAllowed(conflict.ProposedHouseholdId, "The proposed household of the case does not exist.");
        }

        if (proposed.IsClosed)
        {
            return new ResolutionDecision.NotAllowed(
                proposed.Id, $"The proposed household was {proposed.Status.ToString().ToLowerInvariant()} after the case opened; the case no longer holds it.");
        }

        if (proposed.OpenConflictCaseId != conflict.Id)
        {
            return new ResolutionDecision.NotAllowed(proposed.Id, "The proposed household is no longer held by this case.");
        }

        var reason = FreeText.Clean(command.Reason);
        var evidence = command.EvidenceReference is { } sent ? FreeText.Clean(sent) : null;
        var appends = new List<(Household Household, IHouseholdEvent Change)>();
        switch (command.Resolution)
        {
            case ConflictResolution.MergeIntoExisting:
                if (existing.Count != 1)
                {
                    return new ResolutionDecision.NotAllowed(conflict.Id, "The NIKs are active in several households: a merge needs exactly one survivor; move the members instead.");
                }

                if (Closed(existing[0], conflict.ExistingHouseholdIds[0]) is { } gone)
                {
                    return gone;
                }

                appends.Add((proposed, new MergedInto(existing[0]!.Id, conflict.Id, command.Actor, reason, evidence)));
                appends.Add((existing[0]!, new DuplicateMerged(proposed.Id, conflict.Id, command.Actor, reason, evidence)));
                break;
            case ConflictResolution.MarkDistinct when conflict.Kind == ConflictKind.FamilyCardInUse && familyCardHolder is null:
                // The household that held the card closed meanwhile: the proposal may hold it now.
                if (HeldElsewhere(proposed, [], memberHolders) is { } taken)
                {
                    return taken;
                }

                appends.Add((proposed, new ConflictCleared(conflict.Id, command.Actor, reason, evidence)));
                break;
            case ConflictResolution.MoveMembers or ConflictResolution.MarkDistinct when conflict.Kind == ConflictKind.FamilyCardInUse:
                return new ResolutionDecision.NotAllowed(
                    conflict.Id, "One family card cannot be two open households: merge the proposal into the household holding the card, or reject the proposal (once that household closes, mark the proposal distinct).");
            case ConflictResolution.MoveMembers when familyCardHolder is { } holder && holder != proposed.Id:
                return new ResolutionDecision.NotAllowed(
                    holder, $"The proposal's family card number is held by open household {holder}: moving the members would make one card two open households; merge or reject the proposal.");
            case ConflictResolution.MoveMembers when conflict.Kind == ConflictKind.LikelyDuplicate:
                return new ResolutionDecision.NotAllowed(conflict.Id, "Likely duplicates share no NIK that could move: merge the households, mark them distinct, or reject the proposal.");
            case ConflictResolution.MarkDistinct when conflict.Kind == ConflictKind.NikInUse:
                return new ResolutionDecision.NotAllowed(conflict.Id, "One NIK cannot be two people: merge the households, move the members, or reject the proposal.");
            case ConflictResolution.MarkDistinct:
                appends.Add((proposed, new ConflictCleared(conflict.Id, command.Actor, reason, evidence)));
                break;
            case ConflictResolution.MoveMembers:
                if (HeldElsewhere(proposed, conflict.Niks, memberHolders) is { } alsoTaken)
                {
                    return alsoTaken;
                }

                for (var index = 0; index < conflict.Niks.Count; index++)
                {
                    var nik = conflict.Niks[index];
                    if (proposed.Members.All(member => member.Nik != nik))
                    {
                        return new ResolutionDecision.NotAllowed(
                            proposed.Id, $"The person of the case's niks[{index}] is no longer a member of the proposal: nobody would move to it; reject the proposal, or propose it again.");
                    }

                    var from = existing.FirstOrDefault(household => household is { IsClosed: false } && household.Members.Any(member => member.Nik == nik));
                    if (from is null)
                    {
                        return new ResolutionDecision.NotAllowed(
                            conflict.Id,
                            $"The person of the case's niks[{index}] is no longer a member of an open household the case names: the case no longer describes the register; reject the proposal and propose it again.");
                    }

                    if (from.Members.Single(member => member.Nik == nik).Relationship == Relationship.Head)
                    {
                        return new ResolutionDecision.NotAllowed(from.Id, $"A moving member is the head of household {from.Id}: that household must name a new head first.");
                    }

                    appends.Add((from, new MemberRemoved(nik, command.Actor, $"moved to household {proposed.Id}: {reason}", evidence)));
                }

                appends.Add((proposed, new ConflictCleared(conflict.Id, command.Actor, reason, evidence)));
                break;
            case ConflictResolution.RejectProposal:
                appends.Add((proposed, new ProposalRejected(command.Actor, reason, evidence)));
                break;
            default:
                return new ResolutionDecision.NotAllowed(conflict.Id, "Name a resolution.");
        }

        return new ResolutionDecision.Accepted(appends, new ConflictCaseResolved(command.Resolution, command.Actor, reason, evidence));
    }

    /// <summary>
    /// A proposal held in a case that is rejected or closed by another way than the case's own
    /// resolution settles the case, so that no case waits on a household that can no longer change.
    /// </summary>
    public static ConflictCaseResolved Settled(IHouseholdEvent closing) =>
        new(ConflictResolution.RejectProposal, closing.Actor, $"settled: the proposal was closed ({closing.Reason})", closing.EvidenceReference);

    /// <summary>A member of the proposal (other than the people the case moves) whose NIK became active in another household meanwhile.</summary>
    private static ResolutionDecision.NotAllowed? HeldElsewhere(Household proposed, IReadOnlyList<string> moving, IReadOnlyDictionary<string, Guid>? holders)
    {
        for (var index = 0; index < proposed.Members.Count; index++)
        {
            var nik = proposed.Members[index].Nik;
            if (!moving.Contains(nik) && holders?.GetValueOrDefault(nik) is { } holder && holder != Guid.Empty && holder != proposed.Id)
            {
                return new ResolutionDecision.NotAllowed(
                    holder, $"The proposal's members[{index}] is now active in household {holder}: one NIK, one household; resolve that first, or reject the proposal.");
            }
        }

        return null;
    }

    private static ResolutionDecision.NotAllowed? Closed(Household? household, Guid id) =>
        household is null ? new(id, $"Household {id} of the case does not exist.")
        : household.IsClosed ? new(id, $"Household {id} was {household.Status.ToString().ToLowerInvariant()} after the case opened; nothing can be merged into it.")
        : null;

    /// <summary>How the NIK and family-card registrations follow an accepted resolution, in the same transaction.</summary>
    public static IReadOnlyList<KeyChange> KeyChanges(ConflictResolution resolution, Household proposed, ResolutionDecision.Accepted accepted, IReadOnlyDictionary<string, Guid> holders) =>
        resolution switch
        {
            // A likely duplicate's own NIKs were registered; the people are the survivor's now. A rejected proposal's are free.
            ConflictResolution.MergeIntoExisting or ConflictResolution.RejectProposal =>
                [new KeyChange.Release(proposed.Id, proposed.Members.Select(member => member.Nik).ToList()), new KeyChange.ReleaseCard(proposed.Id)],
            ConflictResolution.MoveMembers =>
                [.. accepted.Appends.Where(append => append.Change is MemberRemoved).Select(append => new KeyChange.Release(append.Household.Id, [((MemberRemoved)append.Change).Nik])), .. HoldAll(proposed, holders)],
            // A likely duplicate's NIKs and card were registered when it was proposed; a proposal held for
            // its family card now takes the card its holder released, and registers its people.
            ConflictResolution.MarkDistinct when !proposed.HoldsMemberNiks => HoldAll(proposed, holders),
            _ => [],
        };

    /// <summary>
    /// A cleared proposal held in a case registers what it did not hold: its members' NIKs (those the
    /// case moves are released first; the decision refused any other held elsewhere) and its card
    /// (checked free by the decision).
    /// </summary>
    private static List<KeyChange> HoldAll(Household proposed, IReadOnlyDictionary<string, Guid> holders) =>
    [
        new KeyChange.Register(proposed.Id, proposed.VillageCode, proposed.Members.Where(member => holders.GetValueOrDefault(member.Nik) != proposed.Id).ToList()),
        new KeyChange.TakeCard(proposed.FamilyCardNumber, proposed.Id),
    ];
}

/// <summary>The outcome of deciding a resolution.</summary>
internal abstract record ResolutionDecision
{
    /// <summary>The events for each household, in order, and the case's own.</summary>
    public sealed record Accepted(IReadOnlyList<(Household Household, IHouseholdEvent Change)> Appends, ConflictCaseResolved Resolved) : ResolutionDecision;

    /// <summary>FAILED_PRECONDITION: the households as they are now do not allow it; <see cref="Subject"/> is the household or case that says why.</summary>
    public sealed record NotAllowed(Guid Subject, string Reason) : ResolutionDecision;
}
