using System.Globalization;
using Marten;
using Weasel.Postgresql.Tables;

using Interop.Hub.Registry;

namespace Interop.Hub.Storage;

/// <summary>
/// The household in which a NIK is active (one at most), and its screening key for likely duplicates;
/// a narrow row of three numbers, for speed (docs/architecture.md, "One NIK, one household").
/// </summary>
internal sealed record NikRegistration(string Nik, Guid HouseholdId, long ScreeningKey)
{
    public const string TableName = "nik_registration";

    /// <summary>The table, created and migrated with the rest of the store's schema.</summary>
    public static Table Definition(string schema)
    {
        var table = new Table($"{schema}.{TableName}");
        table.AddColumn<long>("nik").AsPrimaryKey();
        table.AddColumn<Guid>("household_id").NotNull();
        table.AddColumn<long>("screening_key").NotNull();
        table.Indexes.Add(new IndexDefinition($"idx_{TableName}_screening_key") { Columns = ["screening_key"] });
        return table;
    }

    /// <summary>
    /// Where likely duplicates of a person are looked for: the same village and the same birth date,
    /// as one number (the village code's ten digits, then the date as yyyymmdd).
    /// </summary>
    public static long KeyOf(string villageCode, DateOnly birthDate)
    {
        long village = 0;
        foreach (var character in villageCode)
        {
            if (char.IsAsciiDigit(character))
            {
                village = checked((village * 10) + (character - '0'));
            }
            else if (character != '.')
            {
                throw new ArgumentException("A village code has digits and dots only.", nameof(villageCode));
            }
        }

        return checked((village * 100_000_000) + (birthDate.Year * 10_000) + (birthDate.Month * 100) + birthDate.Day);
    }

    /// <summary>A NIK as stored: its 16 digits as a number.</summary>
    public static long NumberOf(string nik) => long.Parse(nik, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>A stored NIK as its 16 digits, leading zeros included.</summary>
    public static string TextOf(long nik) => nik.ToString("D16", CultureInfo.InvariantCulture);

    public static IEnumerable<NikRegistration> For(Guid householdId, string villageCode, IEnumerable<HouseholdMember> members) =>
        members.Select(member => new NikRegistration(member.Nik, householdId, KeyOf(villageCode, member.BirthDate)));

    /// <summary>Registers the members' NIKs to the household; fails the commit if any is taken meanwhile.</summary>
    public static void Register(IDocumentSession session, Guid householdId, string villageCode, IEnumerable<HouseholdMember> members) =>
        Insert(session, For(householdId, villageCode, members).ToList());

    /// <summary>Registers many NIKs with one statement; fails the commit if any is taken meanwhile.</summary>
    public static void Insert(IDocumentSession session, IReadOnlyCollection<NikRegistration> registrations) =>
        QueueInsert(session, registrations, onConflict: string.Empty);

    /// <summary>The members now hold their NIKs in this household, looked for in its village.</summary>
    public static void Move(IDocumentSession session, Guid householdId, string villageCode, IEnumerable<HouseholdMember> members) =>
        QueueInsert(
            session,
            For(householdId, villageCode, members).ToList(),
            onConflict: " on conflict (nik) do update set household_id = excluded.household_id, screening_key = excluded.screening_key");

    private static void QueueInsert(IDocumentSession session, IReadOnlyCollection<NikRegistration> registrations, string onConflict)
    {
        if (registrations.Count > 0)
        {
            session.QueueSqlCommand(
                $"insert into {TableOf(session)} (nik, household_id, screening_key) select * from unnest(?::bigint[], ?::uuid[], ?::bigint[]){onConflict}",
                registrations.Select(registration => NumberOf(registration.Nik)).ToArray(),
                registrations.Select(registration => registration.HouseholdId).ToArray(),
                registrations.Select(registration => registration.ScreeningKey).ToArray());
        }
    }

    /// <summary>Releases the NIKs held by the household (only those it holds).</summary>
    public static void Release(IDocumentSession session, Guid householdId, IEnumerable<string> niks)
    {
        var released = niks.ToArray();
        if (released.Length > 0)
        {
            session.QueueSqlCommand($"delete from {TableOf(session)} where household_id = ? and nik = any(?::bigint[])", householdId, released.Select(NumberOf).ToArray());
        }
    }

    /// <summary>The household each of these NIKs is active in, for those active anywhere.</summary>
    public static async Task<Dictionary<string, Guid>> HoldersAsync(IQuerySession session, IEnumerable<string> niks, CancellationToken cancellationToken)
    {
        // Only a 16-digit NIK can have been registered.
        var wanted = niks.Where(Registry.ProposeHousehold.IdentityNumbers.IsSixteenDigits).Select(NumberOf).Distinct().ToArray();
        if (wanted.Length == 0)
        {
            return new Dictionary<string, Guid>(StringComparer.Ordinal);
        }

        var rows = await session.AdvancedSql.QueryAsync<long, Guid>(
            $"select row(nik), row(household_id) from {TableOf(session)} where nik = any(?::bigint[])", cancellationToken, [wanted]);
        return rows.ToDictionary(row => TextOf(row.Item1), row => row.Item2, StringComparer.Ordinal);
    }

    /// <summary>The household a NIK is active in, if any.</summary>
    public static async Task<Guid?> HolderAsync(IQuerySession session, string nik, CancellationToken cancellationToken) =>
        (await HoldersAsync(session, [nik], cancellationToken)).TryGetValue(nik, out var household) ? household : null;

    /// <summary>The registrations under these screening keys: one index probe per key.</summary>
    public static async Task<IReadOnlyList<(string Nik, Guid HouseholdId)>> WithKeysAsync(
        IQuerySession session, IReadOnlyCollection<long> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return [];
        }

        // One index probe per key, whatever the planner believes about the table: with `screening_key =
        // any(2,000 keys)` and no fresh statistics (a store growing fast under a bulk load, before
        // autoanalyze) PostgreSQL estimates the whole table matches and reads all of it, every batch.
        // `offset 0` keeps the lateral subquery from being flattened into a join it could hash the same way.
        var rows = await session.AdvancedSql.QueryAsync<long, Guid>(
            $"select row(r.nik), row(r.household_id) from unnest(?::bigint[]) as k(key) "
            + $"cross join lateral (select d.nik, d.household_id from {TableOf(session)} as d where d.screening_key = k.key offset 0) as r",
            cancellationToken,
            [keys.ToArray()]);
        return rows.Select(row => (TextOf(row.Item1), row.Item2)).ToList();
    }

    public static string TableOf(IQuerySession session) => MartenTables.Own(session.DocumentStore, TableName);
}
