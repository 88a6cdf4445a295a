using Interop.Hub.Registry.ProposeHousehold;
using Interop.ReferenceData;

namespace Interop.Hub.Registry.ChangeHousehold;

/// <summary>
/// Splitting a household (members leave to form their own, on a new family card) and merging two
/// real families onto one card: the rules of <see cref="ChangeRules"/> for the steps that write to
/// two households at once. Pure.
/// </summary>
internal static class FamilyCards
{
    public static void CheckSplit(HouseholdChange.Split split, RegionTable regions, List<FieldIssue> violations)
    {
        CheckRelationships(split.Members, "split_household.members", violations, headsWanted: 1);
        ProposalRules.CheckFamilyCardNumber(split.FamilyCardNumber, regions, violations, [], "split_household.family_card_number");
        ProposalRules.CheckVillage(split.VillageCode, regions, violations, "split_household.village_code");
        ProposalRules.RequireText(violations, "split_household.address_line", split.AddressLine, ProposalRules.MaxAddressLength);
    }

    public static void CheckMerge(HouseholdChange.Merge merge, Household household, List<FieldIssue> violations)
    {
        if (!Guid.TryParse(merge.OtherHouseholdId, out var otherId))
        {
            violations.Add(new("merge_household.other_household_id", merge.OtherHouseholdId.Length == 0 ? "is required" : "must be a UUID as issued by the hub"));
        }
        else if (otherId == household.Id)
        {
            violations.Add(new("merge_household.other_household_id", "must name another household"));
        }

        CheckRelationships(merge.Members, "merge_household.members", violations, headsWanted: 0);
    }

    public static string? SplitPrecondition(HouseholdChange.Split split, Household household)
    {
        if (household.Status != HouseholdStatus.Active)
        {
            return "Only a ratified (active) household can split.";
        }

        var leaving = split.Members.Select(member => member.Nik).ToHashSet(StringComparer.Ordinal);
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
            return UnconfirmedCannotMove;
        }

        return split.FamilyCardNumber == household.FamilyCardNumber ? "The new household needs a family card number of its own." : null;
    }

    public static string? MergePrecondition(HouseholdChange.Merge merge, Household household, Household? other)
    {
        if (household.Status != HouseholdStatus.Active)
        {
            return "Only a ratified (active) household can take in another family.";
        }

        if (other is null)
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

        var listed = merge.Members.Select(member => member.Nik).Order(StringComparer.Ordinal);
        if (!listed.SequenceEqual(other.Members.Select(member => member.Nik).Order(StringComparer.Ordinal)))
        {
            return "merge_household.members must list every member of the other household, each once, with their relationship to this household's head.";
        }

        if (household.Members.Count + other.Members.Count > ProposalRules.MaxMembers)
        {
            return $"Together the two families have {household.Members.Count + other.Members.Count} members; a family card holds at most {ProposalRules.MaxMembers}.";
        }

        return other.Members.Any(member => !other.IsCleared(member)) ? UnconfirmedCannotMove : null;
    }

    private const string UnconfirmedCannotMove =
        "A moving member's NIK has no confirmation from the civil registry and no identity exception, and an active household admits confirmed people only: "
        + "the civil registry judges the person first (verify_identities), or the steward records an exception (grant_identity_exception).";

    public static ChangeDecision.Accepted Split(HouseholdChange.Split split, ChangeHouseholdCommand command, Household household)
    {
        var newId = Guid.CreateVersion7();
        var (reason, evidence) = (FreeText.Clean(command.Reason), command.EvidenceReference);
        var members = Relate(household, split.Members);
        var (confirmed, excepted) = Standing(household, members);
        return new ChangeDecision.Accepted([new HouseholdSplit(newId, members.Select(member => member.Nik).ToList(), command.Actor, reason, evidence)])
        {
            Others =
            [
                new OtherStreamWrite(newId, null, [new SplitOff(
                    household.Id, split.FamilyCardNumber, split.VillageCode, FreeText.Clean(split.AddressLine), members, command.Actor, reason, evidence, confirmed, excepted)]),
            ],
        };
    }

    public static ChangeDecision.Accepted Merge(ChangeHouseholdCommand command, Household household, Household other)
    {
        var (reason, evidence) = (FreeText.Clean(command.Reason), command.EvidenceReference);
        var merge = (HouseholdChange.Merge)command.Change;
        List<IHouseholdEvent> closing = [.. ChangeRules.Withdrawn(other, command, $"the household joined household {household.Id}"), new JoinedFamily(household.Id, command.Actor, reason, evidence)];
        var joining = Relate(other, merge.Members);
        var (confirmed, excepted) = Standing(other, joining);
        return new ChangeDecision.Accepted([new FamilyJoined(other.Id, joining, command.Actor, reason, evidence, confirmed, excepted)])
        {
            Others = [new OtherStreamWrite(other.Id, other.Version, closing)],
        };
    }

    /// <summary>How the moving people's identities stood in the household they leave: they keep that standing.</summary>
    private static (List<string> Confirmed, List<string> Excepted) Standing(Household from, IReadOnlyList<HouseholdMember> moving) =>
        (moving.Where(member => from.IdentityOf(member) == IdentityStatus.Confirmed).Select(member => member.Nik).ToList(),
         moving.Where(member => from.IdentityOf(member) == IdentityStatus.Excepted).Select(member => member.Nik).ToList());

    /// <summary>The members named, as recorded in their household, with their new relationships.</summary>
    private static List<HouseholdMember> Relate(Household household, IReadOnlyList<NewRelationship> relationships) =>
        relationships.Select(moving => household.Members.Single(member => member.Nik == moving.Nik) with { Relationship = moving.Relationship }).ToList();

    private static void CheckRelationships(IReadOnlyList<NewRelationship> members, string field, List<FieldIssue> violations, int headsWanted)
    {
        if (members.Count == 0)
        {
            violations.Add(new(field, "name at least one member"));
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < members.Count; index++)
        {
            if (!IdentityNumbers.IsSixteenDigits(members[index].Nik))
            {
                violations.Add(new($"{field}[{index}].nik", "must be exactly 16 digits"));
            }
            else if (!seen.Add(members[index].Nik))
            {
                violations.Add(new($"{field}[{index}].nik", "is named twice"));
            }

            if (members[index].Relationship == Relationship.Unspecified)
            {
                violations.Add(new($"{field}[{index}].relationship", "is required"));
            }
        }

        var heads = members.Count(member => member.Relationship == Relationship.Head);
        if (heads != headsWanted)
        {
            violations.Add(new(field, headsWanted == 1 ? "exactly one member must be the new head" : "the household already has a head; name none"));
        }
    }
}
