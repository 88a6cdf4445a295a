using Interop.Hub.Registry;
using Marten;

namespace Interop.Hub.Storage;

/// <summary>
/// Households stored before the <c>search_terms</c> column existed get their terms once, at
/// startup, from their own stored JSON (the same terms <see cref="Registry.Household.SearchTerms"/>
/// gives), and snapshots from before the held-for-a-NIK-conflict flag get it, so that search never
/// silently misses them. Does nothing once every row is current.
/// </summary>
internal sealed class SearchTermsBackfill(IDocumentStore store) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var households = MartenTables.Documents<Household>(store);
        // Snapshots written before Household.HeldForNikConflict existed: a household held by a
        // held_for_conflict event whose case is still open gets the flag (and its members' NIKs as
        // terms), so that the snapshot of its next change keeps it findable by those NIKs.
        session.QueueSqlCommand(
            $"update {households} as household set data = household.data || jsonb_build_object('HeldForNikConflict', true), search_terms = "
            + $"array(select 'nik:' || (member ->> 'Nik') from jsonb_array_elements(household.data -> 'Members') member) || {ProgramTerms("household")} "
            + "where household.data -> 'HeldForNikConflict' is null and household.data ->> 'OpenConflictCaseId' is not null "
            + $"and exists (select 1 from {MartenTables.Events(store)} as held where held.stream_id = household.id "
            + "and held.type = 'held_for_conflict' and held.data ->> 'ConflictCaseId' = household.data ->> 'OpenConflictCaseId')");
        session.QueueSqlCommand(
            $"update {households} as household set search_terms = "
            // Registration holds the NIKs of a household that is open and not held in a NIK conflict
            // (Household.HoldsMemberNiks); the others list their members' NIKs here.
            + "case when household.data ->> 'Status' in ('Rejected', 'Deactivated', 'Merged') or coalesce((household.data ->> 'HeldForNikConflict')::boolean, false) "
            + "then array(select 'nik:' || (member ->> 'Nik') from jsonb_array_elements(household.data -> 'Members') member) else '{}' end "
            + $"|| {ProgramTerms("household")} where household.search_terms is null");
        await session.SaveChangesAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string ProgramTerms(string table) =>
        $"array(select 'program:' || (membership ->> 'Program') from jsonb_array_elements({table}.data -> 'Programs') membership)";
}
