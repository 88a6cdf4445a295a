using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    /// <summary>The steward closes an active household; its pending changes are withdrawn first.</summary>
    public sealed record Deactivate() : HouseholdChange("deactivate_household")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward];

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            household.Status != HouseholdStatus.Active ? "Only an active household can be deactivated; reject a proposal instead." : null;

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            new([.. ChangeRules.Withdrawn(household, command, "the household was deactivated"), new HouseholdDeactivated(command.Actor, command.Reason, command.EvidenceReference)]);
    }
}
