using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    /// <summary>The steward ratifies a verified proposal: the household enters the register.</summary>
    public sealed record Ratify() : HouseholdChange("ratify_household")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward];

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            household.Status == HouseholdStatus.Active ? "The household is already ratified."
            : household.UnclearedMembers.Count is > 0 and var unconfirmed ?
                (household.Status == HouseholdStatus.VerificationFailed
                    ? "The civil registry did not confirm every member; a proposal that failed verification cannot be ratified"
                    : "The members' identities have not been verified by the civil registry yet")
                + $": {unconfirmed} member(s) have no confirmation. The civil registry judges them (verify_identities), or the steward records an identity exception for each (grant_identity_exception)."
            : household.OpenConflictCaseId is { } conflict ?
                $"Conflict case {conflict} holds the household (a member's NIK is active in another household, or it likely duplicates one) until the steward resolves it."
            : null;

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            new([new HouseholdRatified(command.Actor, command.Reason, command.EvidenceReference)]);
    }
}
