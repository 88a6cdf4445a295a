using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    /// <summary>The steward rejects a proposal: it never enters the register, and its people's NIKs are free again.</summary>
    public sealed record RejectProposal() : HouseholdChange("reject_proposal")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward];

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            household.Status == HouseholdStatus.Active ? "The household is already ratified; deactivate it instead." : null;

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            new([new ProposalRejected(command.Actor, command.Reason, command.EvidenceReference)]);
    }
}
