using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

internal abstract partial record HouseholdChange
{
    /// <summary>Another household's family joins this one; the other is closed and points here.</summary>
    public sealed record Merge(string OtherHouseholdId, long OtherExpectedVersion, IReadOnlyList<NewRelationship> Members) : HouseholdChange("merge_household")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [PartnerKind.Steward, PartnerKind.CivilRegistry];

        public override IEnumerable<FieldIssue> Check(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            var issues = new List<FieldIssue>();
            if (!Guid.TryParse(OtherHouseholdId, out var otherId))
            {
                issues.Add(new("merge_household.other_household_id", OtherHouseholdId.Length == 0 ? "is required" : "must be a UUID as issued by the hub"));
            }
            else if (otherId == household.Id)
            {
                issues.Add(new("merge_household.other_household_id", "must name another household"));
            }

            FamilyCards.CheckRelationships(Members, "merge_household.members", issues, headsWanted: 0);
            return issues;
        }

        public override string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            if (household.Status != HouseholdStatus.Active)
            {
                return "Only a ratified (active) household can take in another family.";
            }

            if (context.Other is not { } other)
            {
                return null;
            }

            if (other.MergedInto is { } survivor)
            {
                return $"The other household was already merged into household {survivor}.";
            }

            if (other.Status != HouseholdStatus.Active)
            {
                return $"The other household is {other.Status.ToString().ToLowerInvariant()}; only an active household's family can join another.";
            }

            if (other.OpenConflictCaseId is { } conflict)
            {
                return $"Conflict case {conflict} holds the other household until the steward resolves it.";
            }

            // As in a split, only the living move to the new card: otherwise a recorded death would be lost on the way.
            if (other.Deaths.Count > 0)
            {
                return "A member of the other household is recorded as deceased: remove that member there first; only the living join another card.";
            }

            var listed = Members.Select(member => member.Nik).Order(StringComparer.Ordinal);
            if (!listed.SequenceEqual(other.Members.Select(member => member.Nik).Order(StringComparer.Ordinal)))
            {
                return "merge_household.members must list every member of the other household, each once, with their relationship to this household's head.";
            }

            if (household.Members.Count + other.Members.Count > ProposalRules.MaxMembers)
            {
                return $"Together the two families have {household.Members.Count + other.Members.Count} members; a family card holds at most {ProposalRules.MaxMembers}.";
            }

            return other.Members.Any(member => !other.IsCleared(member)) ? FamilyCards.UnconfirmedCannotMove : null;
        }

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context)
        {
            var other = context.Other ?? throw new InvalidOperationException("A merge is decided with the other household.");
            List<IHouseholdEvent> closing =
                [.. ChangeRules.Withdrawn(other, command, $"the household joined household {household.Id}"), new JoinedFamily(household.Id, command.Actor, command.Reason, command.EvidenceReference)];
            var joining = FamilyCards.Relate(other, Members);
            var (confirmed, excepted) = FamilyCards.Standing(other, joining);
            return new([new FamilyJoined(other.Id, joining, command.Actor, command.Reason, command.EvidenceReference, confirmed, excepted)])
            {
                Others = [new OtherStreamWrite(other.Id, other.Version, closing)],
            };
        }
    }
}
