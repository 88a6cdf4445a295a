using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    public sealed record ExitProgram(SocialProgram Program) : HouseholdChange("exit_program")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward];

        public override IEnumerable<FieldIssue> Check(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            Program == SocialProgram.Unspecified ? [new("exit_program.program", "is required")] : [];

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            household.Programs.All(p => p.Program != Program) ? "The household is not enrolled in that program." : null;

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            new([new ProgramExited(Program, command.Actor, command.Reason, command.EvidenceReference)]);
    }
}
