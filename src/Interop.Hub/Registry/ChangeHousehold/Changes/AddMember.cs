using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    public sealed record AddMember(MemberDraft Member) : HouseholdChange("add_member")
    {
        /// <summary>The civil registry adds the people it registers itself (a birth), and so vouches for them.</summary>
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward, PartnerKind.LocalGovernment, PartnerKind.CivilRegistry];

        public override bool IsMakerChecked => true;

        public override IEnumerable<FieldIssue> Check(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            var issues = new List<FieldIssue>();
            ProposalRules.CheckMember(Member, "add_member.member", context.Regions, context.Today, issues, warnings: []);
            return issues;
        }

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            household.Members.Any(member => member.Nik == Member.Nik) ? "That NIK is already a member of this household."
            : Member.Relationship == Relationship.Head ? "The household already has a head."
            : household.Members.Count >= ProposalRules.MaxMembers ? $"The household already has {household.Members.Count} members; a family card holds at most {ProposalRules.MaxMembers}."
            : household.Status == HouseholdStatus.Active && !context.WaitsForApproval && command.Actor.Kind != PartnerKind.CivilRegistry && !household.IsCleared(Person)
                ? "The civil registry has not confirmed that NIK for this household, and an active household admits confirmed people only: "
                  + "the civil registry judges the person (verify_identities, while the addition waits for approval, or adds the person itself), "
                  + "or the steward records an identity exception first (grant_identity_exception)."
            : null;

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            new([new MemberAdded(ProposalRules.CheckMember(Member, "add_member.member", context.Regions, context.Today, [], [])!, command.Actor, command.Reason, command.EvidenceReference)]);

        /// <summary>The person a well-formed request names, as the household would hold them.</summary>
        private HouseholdMember Person => new(Member.Nik, FreeText.Clean(Member.FullName), Member.BirthDate?.ToDate() ?? default, Member.Sex, Member.Relationship);
    }
}
