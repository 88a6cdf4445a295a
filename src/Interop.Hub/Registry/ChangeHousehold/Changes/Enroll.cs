using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    public sealed record Enroll(ProgramMembership Membership) : HouseholdChange("enroll_in_program")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward];

        public override IEnumerable<FieldIssue> Check(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            switch (Membership.Program)
            {
                case SocialProgram.Unspecified:
                    yield return new("enroll_in_program.membership.program", "is required");
                    break;
                case SocialProgram.Pkh when Membership.Components.Count == 0:
                    yield return new("enroll_in_program.membership.components", "PKH pays by family component: name at least one");
                    break;
                case SocialProgram.Bpnt when Membership.Components.Count > 0:
                    yield return new("enroll_in_program.membership.components", "BPNT has no family components");
                    break;
            }

            if (Membership.Components.Contains(PkhComponent.Unspecified))
            {
                yield return new("enroll_in_program.membership.components", "every component must be specified");
            }
        }

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            household.Status != HouseholdStatus.Active ? "Only a ratified (active) household can be enrolled in a program."
            : household.Programs.Any(p => p.Program == Membership.Program) ? "The household is already enrolled in that program."
            : null;

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            new([new ProgramEnrolled(Membership with { Components = Membership.Components.Distinct().ToList() }, command.Actor, command.Reason, command.EvidenceReference)]);
    }
}
