using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    /// <summary>
    /// The steward approves a change that waits: the change follows the approval in the name of the
    /// partner that asked for it, checked again against the household as it is now.
    /// </summary>
    public sealed record ApproveChange(string ChangeId) : HouseholdChange("approve_change")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward];

        public override IEnumerable<FieldIssue> Check(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            Guid.TryParse(ChangeId, out _) ? [] : [new("approve_change.change_id", "must be the id of a pending change")];

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            if (ChangeRules.Pending(household, ChangeId) is not { } pending)
            {
                return ChangeRules.NoSuchPendingChange;
            }

            var asked = command with { Change = ChangeRules.AsRequest(pending), Actor = pending.Effect.Actor };
            return ChangeRules.StateRefusal(household, asked, context with { WaitsForApproval = false }) is { } stale
                ? $"The pending change no longer fits the household: {stale} Reject it instead."
                : null;
        }

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            var pending = ChangeRules.Pending(household, ChangeId)!;
            // A move records where the household lived when the move took effect.
            return new([
                new ChangeApproved(pending.ChangeId, command.Actor, command.Reason, command.EvidenceReference),
                pending.Effect is AddressChanged moved ? moved with { PreviousVillageCode = household.VillageCode } : pending.Effect,
            ]);
        }
    }
}
