using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    /// <summary>The steward rejects a change that waits for approval.</summary>
    public sealed record RejectChange(string ChangeId) : HouseholdChange("reject_change")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward];

        public override IEnumerable<FieldIssue> Check(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            Guid.TryParse(ChangeId, out _) ? [] : [new("reject_change.change_id", "must be the id of a pending change")];

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            ChangeRules.Pending(household, ChangeId) is null ? ChangeRules.NoSuchPendingChange : null;

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            new([new ChangeRejected(Guid.Parse(ChangeId), command.Actor, command.Reason, command.EvidenceReference)]);
    }
}
