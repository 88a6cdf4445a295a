using Interop.Hub.Partners;
using Marten;

namespace Interop.Hub.Registry;

/// <summary>
/// Event shapes that earlier versions stored and that the code no longer writes. Stored events are
/// never rewritten: each old shape keeps its stored name for ever and is upcast, as it is read, to the
/// current event, so that old streams replay into today's shapes (history, as-of reads, snapshots,
/// the change feed). A shape changes by getting a new stored name for the new shape (see
/// <c>EventStore.RegisterEventNames</c>) and an upcaster here for the old one; docs/contracts.md
/// explains the rule.
/// </summary>
internal static class StoredShapes
{
    /// <summary>
    /// <c>household_split</c>, the first shape of <see cref="HouseholdSplit"/>: the NIKs of the members
    /// who left were called <c>Niks</c>, which read as if they were the household's own. Renamed
    /// <c>LeavingNiks</c>; new splits are stored as <c>household_split_v2</c>.
    /// </summary>
    internal sealed record HouseholdSplitV1(Guid NewHouseholdId, IReadOnlyList<string> Niks, Actor Actor, string Reason, string? EvidenceReference);

    public static HouseholdSplit Upcast(HouseholdSplitV1 stored) =>
        new(stored.NewHouseholdId, stored.Niks, stored.Actor, stored.Reason, stored.EvidenceReference);

    public static void Register(StoreOptions options) =>
        options.Events.Upcast<HouseholdSplitV1, HouseholdSplit>("household_split", Upcast);
}
