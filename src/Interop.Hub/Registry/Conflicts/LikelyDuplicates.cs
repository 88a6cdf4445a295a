namespace Interop.Hub.Registry.Conflicts;

/// <summary>A person registered in a household, as seen by the duplicate screening.</summary>
internal sealed record ScreenedPerson(Guid HouseholdId, string VillageCode, HouseholdMember Member);

/// <summary>Another household the proposal likely duplicates: how alike (0 to 1), why, and which of the proposal's NIKs matched.</summary>
internal sealed record DuplicateFinding(IReadOnlyList<Guid> OtherHouseholdIds, double Score, IReadOnlyList<string> Reasons, IReadOnlyList<string> Niks);

/// <summary>
/// Finds the same people under other NIKs: a member of another household in the same village with
/// the same birth date and sex and a name that is the same or spelled slightly differently
/// (Jaro-Winkler similarity of the normalised names at least <see cref="MinimumNameSimilarity"/>).
/// The same NIK is not a likely duplicate but a certain one, handled as a NIK in use. Pure.
/// </summary>
internal static class LikelyDuplicates
{
    public const double MinimumNameSimilarity = 0.9;

    public static DuplicateFinding? Find(HouseholdProposed proposal, IEnumerable<ScreenedPerson> registered)
    {
        var others = new SortedSet<Guid>();
        var reasons = new List<string>();
        var niks = new List<string>();
        var best = 0.0;
        var candidates = registered.Where(person => person.VillageCode == proposal.VillageCode).ToList();
        for (var index = 0; index < proposal.Members.Count; index++)
        {
            var member = proposal.Members[index];
            foreach (var other in candidates.Where(person => person.Member.Nik != member.Nik && person.Member.BirthDate == member.BirthDate && person.Member.Sex == member.Sex))
            {
                var score = PersonNames.Score(member.FullName, other.Member.FullName);
                if (score < MinimumNameSimilarity)
                {
                    continue;
                }

                others.Add(other.HouseholdId);
                niks.Add(member.Nik);
                best = Math.Max(best, score);
                var names = PersonNames.Same(member.FullName, other.Member.FullName) ? "the same name" : $"names {score:0.00} alike";
                reasons.Add($"members[{index}] and a member of household {other.HouseholdId}: same village, birth date and sex, {names}, another NIK");
            }
        }

        return others.Count == 0 ? null : new DuplicateFinding([.. others], Math.Round(best, 4), reasons, niks.Distinct().ToList());
    }
}
