using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    /// <summary>
    /// The civil registry's verdicts. A proposal's verification judges every member not yet confirmed
    /// (and may judge the others again). On an active household it judges only people not yet
    /// confirmed: its unconfirmed members and the people of pending additions, so that the steward
    /// can approve them.
    /// </summary>
    public sealed record VerifyIdentities(IReadOnlyList<IdentityCheck> Checks) : HouseholdChange("verify_identities")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.CivilRegistry];

        public override IEnumerable<FieldIssue> Check(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            var active = household.Status == HouseholdStatus.Active;
            var judgeable = active
                ? household.Members.Concat(household.PendingPeople).Where(person => household.IdentityOf(person) != IdentityStatus.Confirmed).Select(person => person.Nik).ToHashSet(StringComparer.Ordinal)
                : household.Members.Select(member => member.Nik).ToHashSet(StringComparer.Ordinal);
            if (Checks.Count == 0)
            {
                yield return new("verify_identities.checks", "name at least one verdict");
            }

            var checkedNiks = new HashSet<string>(StringComparer.Ordinal);
            for (var index = 0; index < Checks.Count; index++)
            {
                var check = Checks[index];
                if (check.Verdict == IdentityVerdict.Unspecified)
                {
                    yield return new($"verify_identities.checks[{index}].verdict", "is required");
                }

                if (!judgeable.Contains(check.Nik))
                {
                    yield return new(
                        $"verify_identities.checks[{index}].nik",
                        active ? "is neither an unconfirmed member nor a person waiting in a pending addition to this household" : "is not a member of this household");
                }
                else if (!checkedNiks.Add(check.Nik))
                {
                    yield return new($"verify_identities.checks[{index}].nik", "has a verdict twice");
                }
                else if (household.PeopleUnder(check.Nik).Count > 1)
                {
                    // A verdict names a NIK; it must say which person it is about.
                    yield return new(
                        $"verify_identities.checks[{index}].nik",
                        "names two different people here (a member and a pending addition, or two pending additions, with other names or birth dates): the steward rejects the wrong addition first");
                }
            }

            var withoutVerdict = active ? 0 : household.Members.Count(member => household.IdentityOf(member) != IdentityStatus.Confirmed && !checkedNiks.Contains(member.Nik));
            if (withoutVerdict > 0)
            {
                yield return new("verify_identities.checks", $"every member not yet confirmed needs a verdict; {withoutVerdict} member(s) have none");
            }
        }

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            household.Status is HouseholdStatus.Verified or HouseholdStatus.Active && !AwaitsJudgement(household)
                ? "Every member's identity is already confirmed, and no person waits in a pending addition; there is nothing to verify."
                : null;

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            new([new IdentitiesVerified(Checks, command.Actor, command.Reason, command.EvidenceReference)]);

        /// <summary>The household has someone for the civil registry to judge: an unconfirmed member, or a person in a pending addition.</summary>
        private static bool AwaitsJudgement(Household household) =>
            household.Members.Concat(household.PendingPeople).Any(person => household.IdentityOf(person) != IdentityStatus.Confirmed);
    }
}
