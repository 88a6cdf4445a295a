using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    /// <summary>The steward admits a person the civil registry has not confirmed, by an explicit exception that names its evidence.</summary>
    public sealed record GrantIdentityException(string Nik) : HouseholdChange("grant_identity_exception")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward];

        public override IEnumerable<FieldIssue> Check(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            if (!IdentityNumbers.IsSixteenDigits(Nik))
            {
                yield return new("grant_identity_exception.nik", "must be exactly 16 digits");
            }

            if (string.IsNullOrWhiteSpace(command.EvidenceReference))
            {
                yield return new("evidence_reference", "is required for an identity exception: name the document that stands in for the civil registry's confirmation");
            }
        }

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            household.ExceptedNiks.Contains(Nik) ? "An identity exception for that NIK is already recorded on this household."
            : household.PeopleUnder(Nik) is { Count: > 0 } people && people.All(person => household.IdentityOf(person) == IdentityStatus.Confirmed)
                ? "The civil registry already confirmed that NIK for this household; no exception is needed."
            : null;

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            new([new IdentityExceptionGranted(Nik, command.Actor, command.Reason, command.EvidenceReference)]);
    }
}
