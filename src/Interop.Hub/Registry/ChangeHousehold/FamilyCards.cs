using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

/// <summary>What splitting a household and merging two families onto one card share. Pure.</summary>
internal static class FamilyCards
{
    public const string UnconfirmedCannotMove =
        "A moving member's NIK has no confirmation from the civil registry and no identity exception, and an active household admits confirmed people only: "
        + "the civil registry judges the person first (verify_identities), or the steward records an exception (grant_identity_exception).";

    /// <summary>How the moving people's identities stood in the household they leave: they keep that standing.</summary>
    public static (List<string> Confirmed, List<string> Excepted) Standing(Household from, IReadOnlyList<HouseholdMember> moving) =>
        (moving.Where(member => from.IdentityOf(member) == IdentityStatus.Confirmed).Select(member => member.Nik).ToList(),
         moving.Where(member => from.IdentityOf(member) == IdentityStatus.Excepted).Select(member => member.Nik).ToList());

    /// <summary>The members named, as recorded in their household, with their new relationships.</summary>
    public static List<HouseholdMember> Relate(Household household, IReadOnlyList<NewRelationship> relationships) =>
        relationships.Select(moving => household.Members.Single(member => member.Nik == moving.Nik) with { Relationship = moving.Relationship }).ToList();

    public static void CheckRelationships(IReadOnlyList<NewRelationship> members, string field, List<FieldIssue> violations, int headsWanted)
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
