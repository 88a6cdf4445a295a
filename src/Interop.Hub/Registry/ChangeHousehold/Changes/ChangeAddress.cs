using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    /// <summary>The household moves; the event records where it lived before, for the change feed's regions.</summary>
    public sealed record ChangeAddress(string VillageCode, string AddressLine) : HouseholdChange("change_address")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward, PartnerKind.LocalGovernment];

        public override bool IsMakerChecked => true;

        public override IEnumerable<string> Destinations => [VillageCode];

        public override IEnumerable<FieldIssue> Check(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            var issues = new List<FieldIssue>();
            ProposalRules.CheckVillage(VillageCode, context.Regions, issues, "change_address.village_code");
            ProposalRules.RequireText(issues, "change_address.address_line", AddressLine, ProposalRules.MaxAddressLength);
            return issues;
        }

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            VillageCode == household.VillageCode && FreeText.Clean(AddressLine) == household.AddressLine ? "The household already lives at that address." : null;

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            new([new AddressChanged(VillageCode, FreeText.Clean(AddressLine), household.VillageCode, command.Actor, command.Reason, command.EvidenceReference)]);
    }
}
