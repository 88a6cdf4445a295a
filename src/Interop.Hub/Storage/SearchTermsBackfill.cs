using Marten;

namespace Interop.Hub.Storage;

/// <summary>
/// Households stored before the <c>search_terms</c> column existed get their terms once, at
/// startup, from their own stored JSON (the same terms <see cref="Registry.Household.SearchTerms"/>
/// gives), so that search never silently misses them. Does nothing once every row has its terms.
/// </summary>
internal sealed class SearchTermsBackfill(IDocumentStore store) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        session.QueueSqlCommand(
            $"update {store.Options.DatabaseSchemaName}.mt_doc_household set search_terms = "
            // Registration holds the NIKs of a household that is open and not held in a NIK conflict
            // (Household.HoldsMemberNiks); the others list their members' NIKs here.
            + "case when data ->> 'Status' in ('Rejected', 'Deactivated', 'Merged') or coalesce((data ->> 'HeldForNikConflict')::boolean, false) "
            + "then array(select 'nik:' || (member ->> 'Nik') from jsonb_array_elements(data -> 'Members') member) else '{}' end "
            + "|| array(select 'program:' || (membership ->> 'Program') from jsonb_array_elements(data -> 'Programs') membership) "
            + "where search_terms is null");
        await session.SaveChangesAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
