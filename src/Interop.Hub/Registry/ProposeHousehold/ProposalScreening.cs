using Interop.Hub.Partners;
using Interop.Hub.Registry.Conflicts;

namespace Interop.Hub.Registry.ProposeHousehold;

/// <summary>How an accepted proposal enters the register: its stream's events, and the conflict case that holds it, if any.</summary>
/// <param name="HoldsItsKeys">Its people's NIKs and its family card are registered to it now (a held proposal registers them when cleared).</param>
internal sealed record ScreenedProposal(IReadOnlyList<IHouseholdEvent> Events, Guid? CaseId, ConflictCaseOpened? CaseOpened, bool HoldsItsKeys)
{
    public long Version => Events.Count;
}

/// <summary>
/// Screens an accepted proposal against the register as it stands (and the proposals stored before
/// it in the same batch): a member's NIK active in another household, or its family card held by
/// another open household, holds it in a conflict case instead of making a second record of the
/// same people; people who look like registered people under other NIKs are stored but flagged for
/// the steward. Pure: the register's state and new ids are passed in.
/// </summary>
internal static class ProposalScreening
{
    public const string NikInUse = "a member's NIK is already active in another household";

    public const string FamilyCardInUse = "the family card number is already held by another open household";

    public const string LooksLikeOthers = "members look like people of another household under other NIKs";

    /// <param name="nikHolders">The household each NIK is active in, for the NIKs known to be taken.</param>
    /// <param name="cardHolder">The open household holding the proposal's family card number, if any.</param>
    /// <param name="neighbours">Registered people of the proposal's village born on its members' birth dates.</param>
    public static ScreenedProposal Screen(
        HouseholdProposed proposed, IReadOnlyDictionary<string, Guid> nikHolders, Guid? cardHolder, IEnumerable<ScreenedPerson> neighbours, Guid householdId, Func<Guid> newId)
    {
        var taken = proposed.Members.Select(member => member.Nik).Where(nikHolders.ContainsKey).ToList();
        if (taken.Count > 0)
        {
            var caseId = newId();
            var existing = taken.Select(nik => nikHolders[nik]).Distinct().ToList();
            return new([proposed, new HeldForConflict(caseId, taken, existing, Actor.Hub, NikInUse, null)], caseId, new ConflictCaseOpened(householdId, existing, taken, Actor.Hub, NikInUse), HoldsItsKeys: false);
        }

        if (cardHolder is { } holder)
        {
            var caseId = newId();
            return new(
                [proposed, new HeldForConflict(caseId, [], [holder], Actor.Hub, FamilyCardInUse, null)],
                caseId,
                new ConflictCaseOpened(householdId, [holder], [], Actor.Hub, FamilyCardInUse, ConflictKind.FamilyCardInUse),
                HoldsItsKeys: false);
        }

        if (LikelyDuplicates.Find(proposed, neighbours) is { } finding)
        {
            var caseId = newId();
            return new(
                [proposed, new FlaggedAsLikelyDuplicate(caseId, finding.OtherHouseholdIds, finding.Score, Actor.Hub, LooksLikeOthers, null)],
                caseId,
                new ConflictCaseOpened(householdId, finding.OtherHouseholdIds, finding.Niks, Actor.Hub, LooksLikeOthers, ConflictKind.LikelyDuplicate, finding.Score, finding.Reasons),
                HoldsItsKeys: true);
        }

        return new([proposed], null, null, HoldsItsKeys: true);
    }
}
