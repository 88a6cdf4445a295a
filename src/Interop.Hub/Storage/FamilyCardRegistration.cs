using Interop.Hub.Registry;
using Marten;
using Weasel.Postgresql.Tables;

namespace Interop.Hub.Storage;

/// <summary>
/// The open household that holds a family-card (KK) number: one at most, as for a NIK. Kept in the
/// same transaction as the events that open, close or form a household; inserting a number another
/// commit just took fails that commit. A household held in a conflict case holds no number (nor its
/// members' NIKs) until the case clears it. The number is 16 digits (checked before anything is
/// registered), kept as a number like a NIK.
/// </summary>
internal static class FamilyCardRegistration
{
    public const string TableName = "family_card_registration";

    /// <summary>The table, created and migrated with the rest of the store's schema.</summary>
    public static Table Definition(string schema)
    {
        var table = new Table($"{schema}.{TableName}");
        table.AddColumn<long>("family_card_number").AsPrimaryKey();
        table.AddColumn<Guid>("household_id").NotNull();
        return table;
    }

    /// <summary>Registers the numbers to their households with one statement; fails the commit if any is taken meanwhile.</summary>
    public static void Insert(IDocumentSession session, IReadOnlyCollection<(string FamilyCardNumber, Guid HouseholdId)> registrations)
    {
        if (registrations.Count > 0)
        {
            session.QueueSqlCommand(
                $"insert into {TableOf(session)} (family_card_number, household_id) select * from unnest(?::bigint[], ?::uuid[])",
                registrations.Select(registration => NikRegistration.NumberOf(registration.FamilyCardNumber)).ToArray(),
                registrations.Select(registration => registration.HouseholdId).ToArray());
        }
    }

    /// <summary>Releases the household's number, if it holds it.</summary>
    public static void Release(IDocumentSession session, Guid householdId) =>
        session.QueueSqlCommand($"delete from {TableOf(session)} where household_id = ?", householdId);

    /// <summary>The open household holding each of these numbers, for those held.</summary>
    public static async Task<Dictionary<string, Guid>> HoldersAsync(IQuerySession session, IEnumerable<string> numbers, CancellationToken cancellationToken)
    {
        var wanted = numbers.Where(Registry.ProposeHousehold.IdentityNumbers.IsSixteenDigits).Select(NikRegistration.NumberOf).Distinct().ToArray();
        if (wanted.Length == 0)
        {
            return new Dictionary<string, Guid>(StringComparer.Ordinal);
        }

        var rows = await session.AdvancedSql.QueryAsync<long, Guid>(
            $"select row(family_card_number), row(household_id) from {TableOf(session)} where family_card_number = any(?::bigint[])", cancellationToken, [wanted]);
        return rows.ToDictionary(row => NikRegistration.TextOf(row.Item1), row => row.Item2, StringComparer.Ordinal);
    }

    /// <summary>The open household holding the number, if any.</summary>
    public static async Task<Guid?> HolderAsync(IQuerySession session, string number, CancellationToken cancellationToken) =>
        (await HoldersAsync(session, [number], cancellationToken)).TryGetValue(number, out var household) ? household : null;

    /// <summary>
    /// A store from before this table: each open household not held in a conflict case registers its
    /// number; of households an earlier version let share a number, the one first proposed (its
    /// stream's creation) keeps it, and the others are counted for the operator. Runs only while the
    /// table is empty and households exist; hubs starting together insert the same rows, and the
    /// second one's are skipped.
    /// </summary>
    public static async Task<long?> BackfillAsync(IDocumentSession session, CancellationToken cancellationToken)
    {
        var households = MartenTables.Documents<Household>(session.DocumentStore);
        var pending = await session.AdvancedSql.QueryAsync<bool>(
            $"select not exists (select 1 from {TableOf(session)}) and exists (select 1 from {households})", cancellationToken);
        if (!pending.Single())
        {
            return null;
        }

        const string open = "household.data ->> 'Status' not in ('Rejected', 'Deactivated', 'Merged') and not coalesce((household.data ->> 'HeldForNikConflict')::boolean, false)";
        var streams = MartenTables.Streams(session.DocumentStore);
        session.QueueSqlCommand(
            $"insert into {TableOf(session)} (family_card_number, household_id) "
            + $"select distinct on (number) number, id from (select (household.data ->> 'FamilyCardNumber')::bigint as number, household.id, stream.created "
            + $"from {households} as household join {streams} as stream on stream.id = household.id where {open}) as cards "
            + "order by number, created, id on conflict do nothing");
        await session.SaveChangesAsync(cancellationToken);
        var twice = await session.AdvancedSql.QueryAsync<long>(
            $"select count(*) from {households} as household where {open} and not exists (select 1 from {TableOf(session)} as card where card.household_id = household.id)",
            cancellationToken);
        return twice.Single();
    }

    private static string TableOf(IQuerySession session) => MartenTables.Own(session.DocumentStore, TableName);
}
