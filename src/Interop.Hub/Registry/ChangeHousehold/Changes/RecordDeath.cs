using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    public sealed record RecordDeath(string Nik, DateParts? DeathDate) : HouseholdChange("record_death")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward, PartnerKind.CivilRegistry, PartnerKind.LocalGovernment];

        public override bool IsMakerChecked => true;

        public override IEnumerable<FieldIssue> Check(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            var issues = new List<FieldIssue>();
            if (!IdentityNumbers.IsSixteenDigits(Nik))
            {
                issues.Add(new("record_death.nik", "must be exactly 16 digits"));
            }

            ProposalRules.CheckBirthDate(DeathDate, context.Today, "record_death.death_date", issues);
            return issues;
        }

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            household.Members.FirstOrDefault(member => member.Nik == Nik) is not { } member ? "That NIK is not a member of this household."
            : household.Deaths.ContainsKey(Nik) ? "That member's death is already recorded."
            : DeathDate?.ToDate() is { } date && date < member.BirthDate ? "The death date is before the member's birth date."
            : null;

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            new([new MemberDied(Nik, DeathDate!.Value.ToDate()!.Value, command.Actor, command.Reason, command.EvidenceReference)]);
    }
}
