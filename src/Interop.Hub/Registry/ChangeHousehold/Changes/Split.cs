using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    /// <summary>Members leave to form a household of their own on a new family card; they keep their identity standing.</summary>
    public sealed record Split(IReadOnlyList<NewRelationship> Members, string FamilyCardNumber, string VillageCode, string AddressLine) : HouseholdChange("split_household")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward, PartnerKind.CivilRegistry];

        public override IEnumerable<string> Destinations => [VillageCode];

        public override IEnumerable<FieldIssue> Check(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            var issues = new List<FieldIssue>();
            FamilyCards.CheckRelationships(Members, "split_household.members", issues, headsWanted: 1);
            ProposalRules.CheckFamilyCardNumber(FamilyCardNumber, context.Regions, issues, [], "split_household.family_card_number");
            ProposalRules.CheckVillage(VillageCode, context.Regions, issues, "split_household.village_code");
            ProposalRules.RequireText(issues, "split_household.address_line", AddressLine, ProposalRules.MaxAddressLength);
            return issues;
        }

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            if (household.Status != HouseholdStatus.Active)
            {
                return "Only a ratified (active) household can split.";
            }

            var leaving = Members.Select(member => member.Nik).ToHashSet(StringComparer.Ordinal);
            if (!leaving.All(nik => household.Members.Any(member => member.Nik == nik)))
            {
                return "Every leaving NIK must be a member of this household.";
            }

            if (household.Members.All(member => leaving.Contains(member.Nik)))
            {
                return "Someone must stay: a split cannot take every member.";
            }

            if (household.Members.Any(member => member.Relationship == Relationship.Head && leaving.Contains(member.Nik)))
            {
                return "The head of the family stays on the old card; to move the head, split off the others instead.";
            }

            if (leaving.Any(household.Deaths.ContainsKey))
            {
                return "A deceased member cannot move to a new family card.";
            }

            if (household.Members.Any(member => leaving.Contains(member.Nik) && !household.IsCleared(member)))
            {
                return FamilyCards.UnconfirmedCannotMove;
            }

            return FamilyCardNumber == household.FamilyCardNumber ? "The new household needs a family card number of its own." : null;
        }

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            var newId = context.Decision.NewId();
            var members = FamilyCards.Relate(household, Members);
            var (confirmed, excepted) = FamilyCards.Standing(household, members);
            return new([new HouseholdSplit(newId, members.Select(member => member.Nik).ToList(), command.Actor, command.Reason, command.EvidenceReference)])
            {
                Others =
                [
                    new OtherStreamWrite(newId, null, [new SplitOff(
                        household.Id, FamilyCardNumber, VillageCode, FreeText.Clean(AddressLine), members, command.Actor, command.Reason, command.EvidenceReference, confirmed, excepted)]),
                ],
            };
        }
    }
}
