using Interop.Hub.Registry;
using Marten;

namespace Interop.Hub.Storage;

/// <summary>The filters of a household search, already checked (<see cref="Registry.Search.HouseholdSearch"/>).</summary>
/// <param name="Regions">Region codes a household's village must lie in (any of them), or null for everywhere.</param>
internal sealed record HouseholdFilters(string Nik, string FamilyCardNumber, IReadOnlyList<string>? Regions, SocialProgram Program, HouseholdStatus? Status);

/// <summary>
/// Queries over the households' inline snapshots. Each filter is written against an index: the NIK
/// registrations and the (partial) search-terms GIN column, the family-card and village expression
/// indexes, the primary key for the stable order.
/// </summary>
internal static class HouseholdQueries
{
    /// <summary>The predicate of the partial GIN index on <c>search_terms</c>: a query must repeat it to use the index.</summary>
    public const string SearchTermsIndexed = "cardinality(search_terms) > 0";

    /// <summary>Whether the register holds any household at all.</summary>
    public static async Task<bool> AnyAsync(IQuerySession session, CancellationToken cancellationToken) =>
        (await session.AdvancedSql.QueryAsync<bool>($"select exists (select 1 from {MartenTables.Documents<Household>(session.DocumentStore)})", cancellationToken)).Single();

    /// <summary>A page of the households matching every filter given, in the order the hub first stored them.</summary>
    public static async Task<IReadOnlyList<Household>> PageAsync(IQuerySession session, HouseholdFilters filters, int offset, int limit, CancellationToken cancellationToken)
    {
        var conditions = new List<string>();
        var parameters = new List<object>();
        if (filters.Nik.Length > 0)
        {
            // Households holding the NIK (its registration), and those listing it without holding it
            // (held in a conflict case, or closed), whose terms include it: both sets found first, each
            // through its own index, then read by primary key. (Written as an `or` of the two, the
            // planner scanned every household, 1.2 s at a million.)
            conditions.Add($"id = any(array(select household_id from {NikRegistration.TableOf(session)} where nik = ? "
                + $"union select listed.id from {MartenTables.Documents<Household>(session.DocumentStore)} as listed where cardinality(listed.search_terms) > 0 and listed.search_terms @> ?))");
            parameters.Add(NikRegistration.NumberOf(filters.Nik));
            parameters.Add(new[] { SearchTerm.Nik(filters.Nik) });
        }

        if (filters.FamilyCardNumber.Length > 0)
        {
            conditions.Add("data ->> 'FamilyCardNumber' = ?");
            parameters.Add(filters.FamilyCardNumber);
        }

        if (filters.Regions is { } regions)
        {
            conditions.Add("(" + string.Join(" or ", regions.Select(_ => "data ->> 'VillageCode' = ? or data ->> 'VillageCode' like ?")) + ")");
            foreach (var region in regions)
            {
                parameters.Add(region);
                parameters.Add(region + ".%");
            }
        }

        if (filters.Program != SocialProgram.Unspecified)
        {
            conditions.Add($"{SearchTermsIndexed} and search_terms @> ?");
            parameters.Add(new[] { SearchTerm.Program(filters.Program) });
        }

        if (filters.Status is { } status)
        {
            conditions.Add("data ->> 'Status' = ?");
            parameters.Add(status.ToString());
        }

        parameters.Add(offset);
        parameters.Add(limit);
        var where = conditions.Count == 0 ? "where true" : "where " + string.Join(" and ", conditions);
        return await session.QueryAsync<Household>($"{where} order by id offset ? limit ?", cancellationToken, [.. parameters]);
    }

    /// <summary>Open households that list any of these NIKs without holding them (held in a conflict case), oldest first.</summary>
    public static Task<IReadOnlyList<Household>> OpenListingAnyAsync(IQuerySession session, IEnumerable<string> niks, CancellationToken cancellationToken) =>
        session.QueryAsync<Household>(
            $"where {SearchTermsIndexed} and search_terms && ?::text[] and (data ->> 'IsClosed')::boolean = false order by id",
            cancellationToken,
            [niks.Select(SearchTerm.Nik).ToArray()]);

    /// <summary>
    /// The ids of the households that may have been enrolled in the programme at the cut-off: those
    /// enrolled now (the search-terms index), and every household written after the cut-off, which
    /// may have left the programme since (<c>mt_last_modified</c> is the time of the last append,
    /// the same clock as the events' timestamps). In the order of their ids.
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> EnrolledOrChangedSinceAsync(IQuerySession session, SocialProgram program, DateTimeOffset cutOff, CancellationToken cancellationToken) =>
        await session.AdvancedSql.QueryAsync<Guid>(
            $"select id from {MartenTables.Documents<Household>(session.DocumentStore)} where ({SearchTermsIndexed} and search_terms @> ?) or mt_last_modified > ? order by id",
            cancellationToken,
            new[] { SearchTerm.Program(program) },
            cutOff);

    /// <summary>The households as they stood at the moment, in the order of the ids given (those that did not exist yet are missing).</summary>
    public static async Task<IReadOnlyList<Household>> AtAsync(IQuerySession session, IReadOnlyList<Guid> ids, DateTimeOffset moment, CancellationToken cancellationToken)
    {
        var now = (await session.LoadManyAsync<Household>(cancellationToken, ids)).ToDictionary(household => household.Id);
        var then = new List<Household>(ids.Count);
        foreach (var id in ids)
        {
            if (!now.TryGetValue(id, out var household))
            {
                continue;
            }

            // Unchanged since the moment: the snapshot is how it stood; otherwise its events up to the moment are folded.
            var asOf = household.UpdatedAt <= moment ? household : await session.Events.AggregateStreamAsync<Household>(id, timestamp: moment, token: cancellationToken);
            if (asOf is not null)
            {
                then.Add(asOf);
            }
        }

        return then;
    }
}
