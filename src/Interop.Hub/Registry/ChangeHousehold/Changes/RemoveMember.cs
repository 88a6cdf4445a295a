using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    public sealed record RemoveMember(string Nik) : HouseholdChange("remove_member")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward, PartnerKind.LocalGovernment];

        public override bool IsMakerChecked => true;

        public override IEnumerable<FieldIssue> Check(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            IdentityNumbers.IsSixteenDigits(Nik) ? [] : [new("remove_member.nik", "must be exactly 16 digits")];

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            household.Members.FirstOrDefault(member => member.Nik == Nik) is not { } member ? "That NIK is not a member of this household."
            : member.Relationship == Relationship.Head ? "The head of the family cannot be removed."
            : null;

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            new([new MemberRemoved(Nik, command.Actor, command.Reason, command.EvidenceReference)]);
    }
}
