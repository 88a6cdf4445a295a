using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

/// <summary>
/// Decides one lifecycle step against a household's current state, applying what every step
/// shares (who may ask, the key, reason and evidence, closed households, maker-checker) around
/// the step's own rules (<see cref="HouseholdChange"/>, one file per step in <c>Changes/</c>). Pure.
/// </summary>
internal static class ChangeRules
{
    public const int MaxIdempotencyKeyLength = 64;

    public const string NoSuchPendingChange = "No change with that id waits for approval on this household (it may have been decided already).";

    public static ChangeDecision Decide(ChangeHouseholdCommand command, Household household, ChangeContext context)
    {
        var change = command.Change;
        if (change is HouseholdChange.Missing)
        {
            return new ChangeDecision.Invalid([new FieldIssue("change", "name exactly one change")]);
        }

        if (!change.AskedBy.Contains(command.Actor.Kind))
        {
            return new ChangeDecision.Forbidden($"A {PartnerIdentity.KindToken(command.Actor.Kind)} partner may not {change.Field.Replace('_', ' ')}.");
        }

        if ((OutsideReach(command, household) ?? OutsideReach(command, context.Other)) is { } outside)
        {
            return outside;
        }

        var violations = CheckEnvelope(command).Concat(change.Check(household, command, context)).ToList();
        if (violations.Count > 0)
        {
            return new ChangeDecision.Invalid(violations);
        }

        // Once the villages are known to be real ones (an unknown code is INVALID_ARGUMENT, not elsewhere).
        if (change.Destinations.FirstOrDefault(village => !command.Reach.Covers(village)) is { } elsewhere)
        {
            return new ChangeDecision.Forbidden(
                $"The step would place people in village {elsewhere}, outside the {command.Reach.Describe()} this partner serves; a move across areas is recorded by the steward.",
                OutsideReach: true);
        }

        // Stored as every free text is: trimmed, in NFC.
        command = command with
        {
            Reason = FreeText.Clean(command.Reason),
            EvidenceReference = command.EvidenceReference is { } evidence ? FreeText.Clean(evidence) : null,
        };
        context = context with { WaitsForApproval = NeedsApproval(change, command.Actor, household) };
        if (StateRefusal(household, command, context) is { } reason)
        {
            return new ChangeDecision.NotAllowed(reason);
        }

        var accepted = change.Decide(household, command, context);
        return context.WaitsForApproval
            ? new ChangeDecision.Accepted([new ChangeAwaitingApproval(PendingChange.Of(context.Decision.NewId(), accepted.Events.Single()), command.Actor, command.Reason, command.EvidenceReference)])
            : accepted;
    }

    /// <summary>PERMISSION_DENIED when the household lies outside the partner's reach (checked before anything else about it is said), or null.</summary>
    public static ChangeDecision.Forbidden? OutsideReach(ChangeHouseholdCommand command, Household? household) =>
        household is not null && !command.Reach.Covers(household.VillageCode)
            ? new ChangeDecision.Forbidden($"Household {household.Id} lies outside the {command.Reach.Describe()} this partner serves.", OutsideReach: true)
            : null;

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

    /// <summary>
    /// Maker-checker: a local government's change to a household the steward has ratified waits for
    /// the steward's approval. Its changes to a proposal (not yet ratified) apply at once, because
    /// the steward reviews the whole household when ratifying it; the steward's own changes and the
    /// civil registry's (the authoritative source of deaths) always apply at once.
    /// </summary>
    public static bool NeedsApproval(HouseholdChange change, Actor actor, Household household) =>
        actor.Kind == PartnerKind.LocalGovernment && household.Status == HouseholdStatus.Active && change.IsMakerChecked;

    /// <summary>Why the household's state does not allow the command's step, or null when it does.</summary>
    public static string? StateRefusal(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
        household.MergedInto is { } survivor ? $"The household was merged into household {survivor} and can no longer change; change the survivor instead."
        : household.IsClosed ? $"The household is {household.Status.ToString().ToLowerInvariant()} and can no longer change."
        : command.Change.Precondition(household, command, context);

    /// <summary>The pending change named by an approval or rejection, if the household has it.</summary>
    public static PendingChange? Pending(Household household, string changeId) =>
        Guid.TryParse(changeId, out var id) ? household.PendingChanges.FirstOrDefault(pending => pending.ChangeId == id) : null;

    /// <summary>The request that would make a pending change, to check it again against the household as it is now.</summary>
    public static HouseholdChange AsRequest(PendingChange pending) => pending.Effect switch
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

    /// <summary>
    /// A household that closes can no longer take a change: its pending changes are rejected first,
    /// in the name of whoever closed it, so none is left waiting for a decision that cannot come.
    /// </summary>
    public static IEnumerable<ChangeRejected> Withdrawn(Household household, ChangeHouseholdCommand command, string why) =>
        household.PendingChanges.Select(pending => new ChangeRejected(pending.ChangeId, command.Actor, $"withdrawn: {why}", command.EvidenceReference));
}
