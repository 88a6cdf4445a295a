using Marten;
using Weasel.Postgresql.Tables;

namespace Interop.Hub.Storage;

/// <summary>A request waiting for a bank's answer: its place in the bank's queue, the household and the recipient's NIK.</summary>
internal sealed record QueuedAccountRequest(long Sequence, Guid HouseholdId, string Nik);

/// <summary>
/// The account requests each bank has not answered yet, in the order they were made: a work queue
/// beside the households' events (which are the record), written in the same transaction as the
/// request (a row) and the answer (the row removed), so that a bank reads its open requests from a
/// checkpoint without walking every event or answered request.
/// </summary>
internal static class AccountRequestQueue
{
    public const string TableName = "account_request_queue";

    public static Table Definition(string schema)
    {
        var table = new Table($"{schema}.{TableName}");
        table.AddColumn("sequence", "bigserial").AsPrimaryKey();
        table.AddColumn<string>("bank").NotNull();
        table.AddColumn<Guid>("household_id").NotNull();
        table.AddColumn<string>("nik").NotNull();
        table.Indexes.Add(new IndexDefinition($"idx_{TableName}_bank") { Columns = ["bank", "sequence"] });
        table.Indexes.Add(new IndexDefinition($"idx_{TableName}_request") { Columns = ["household_id", "nik", "bank"], IsUnique = true });
        return table;
    }

    /// <summary>Queues the request (a request made again after a refusal goes to the end of the queue).</summary>
    public static void Enqueue(IDocumentSession session, string bank, Guid householdId, string nik) =>
        session.QueueSqlCommand(
            $"insert into {TableOf(session)} (bank, household_id, nik) values (?, ?, ?) on conflict (household_id, nik, bank) do nothing",
            bank,
            householdId,
            nik);

    /// <summary>The bank answered the request.</summary>
    public static void Remove(IDocumentSession session, string bank, Guid householdId, string nik) =>
        session.QueueSqlCommand($"delete from {TableOf(session)} where household_id = ? and nik = ? and bank = ?", householdId, nik, bank);

    /// <summary>The bank's open requests after <paramref name="afterSequence"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public static async Task<IReadOnlyList<QueuedAccountRequest>> PendingAsync(IQuerySession session, string bank, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        var rows = await session.AdvancedSql.QueryAsync<long, Guid, string>(
            $"select row(sequence), row(household_id), row(nik) from {TableOf(session)} where bank = ? and sequence > ? order by sequence limit ?",
            cancellationToken,
            bank,
            afterSequence,
            limit);
        return rows.Select(row => new QueuedAccountRequest(row.Item1, row.Item2, row.Item3)).ToList();
    }

    private static string TableOf(IQuerySession session) => MartenTables.Own(session.DocumentStore, TableName);
}
