using Interop.Hub.Disbursements.Batches;
using Marten;
using Npgsql;
using Weasel.Postgresql.Tables;

namespace Interop.Hub.Storage;

/// <summary>One entry of a bank's feed: a sealed batch's lines released to it, or a line cancelled or held, or a hold lifted.</summary>
internal sealed record BankInstruction(long Position, Guid BatchId, long LineNumber, string Kind, string? Reason);

/// <summary>A line as its bank is sent it: what paying needs, no more.</summary>
internal sealed record LineToPay(Guid BatchId, long LineNumber, string EndToEndId, Guid HouseholdId, string RecipientName, string AccountNumber, long Amount, DateTimeOffset PaymentDeadline);

/// <summary>
/// Each bank's feed, in one order it can resume from: a batch's lines released to the bank when it
/// is sealed, then every later instruction about a line (cancelled, held, hold lifted). Writers take
/// one transaction-scoped advisory lock before appending, so positions become visible in the order
/// they were drawn: a bank that read up to a position never misses an earlier one committed later.
/// </summary>
internal static class BankInstructions
{
    public const string TableName = "bank_instruction";
    public const string WriterTable = "bank_feed_writer";

    public const string Released = "released";
    public const string Cancelled = "cancelled";
    public const string Held = "held";
    public const string HoldLifted = "hold_lifted";

    public static IEnumerable<Table> Definitions(string schema)
    {
        var writer = new Table($"{schema}.{WriterTable}");
        writer.AddColumn<int>("id").AsPrimaryKey();
        writer.AddColumn<long>("writes").NotNull();
        yield return writer;

        var table = new Table($"{schema}.{TableName}");
        table.AddColumn("position", "bigserial").AsPrimaryKey();
        table.AddColumn<string>("bank").NotNull();
        table.AddColumn<Guid>("batch_id").NotNull();
        // 0 for a release: the whole batch's lines of the bank.
        table.AddColumn<long>("line_number").NotNull();
        table.AddColumn<string>("kind").NotNull();
        table.AddColumn<string>("reason");
        table.Indexes.Add(new IndexDefinition($"idx_{TableName}_bank") { Columns = ["bank", "position"] });
        // A line's notices, for its evidence package.
        table.Indexes.Add(new IndexDefinition($"idx_{TableName}_line") { Columns = ["batch_id", "line_number"] });
        yield return table;
    }

    /// <summary>Releases the sealed batch's lines to each bank that holds some, in the session's transaction.</summary>
    public static void Release(IDocumentSession session, Guid batchId)
    {
        Serialize(session);
        session.QueueSqlCommand(
            $"insert into {TableOf(session)} (bank, batch_id, line_number, kind) "
            + $"select distinct bank, batch_id, 0, '{Released}' from {MartenTables.Own(session.DocumentStore, DisbursementLines.LineTable)} where batch_id = ? order by bank",
            batchId);
    }

    /// <summary>Tells the line's bank the line is cancelled, in the session's transaction.</summary>
    public static void Cancel(IDocumentSession session, Guid batchId, long lineNumber, string reason) => AboutLine(session, batchId, lineNumber, Cancelled, reason);

    /// <summary>The bank's feed after a position, at most <paramref name="limit"/> entries.</summary>
    public static async Task<IReadOnlyList<BankInstruction>> AfterAsync(IQuerySession session, string bank, long afterPosition, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(session, cancellationToken);
        await using var command = new NpgsqlCommand(
            $"select position, batch_id, line_number, kind, reason from {TableOf(session)} where bank = @bank and position > @after order by position limit @limit", connection);
        command.Parameters.AddWithValue("bank", bank);
        command.Parameters.AddWithValue("after", afterPosition);
        command.Parameters.AddWithValue("limit", limit);
        var instructions = new List<BankInstruction>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            instructions.Add(new BankInstruction(reader.GetInt64(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return instructions;
    }

    /// <summary>A page of a released batch's lines for one bank, after a line number.</summary>
    public static async Task<IReadOnlyList<LineToPay>> LinesAsync(IQuerySession session, string bank, Guid batchId, long afterLine, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(session, cancellationToken);
        await using var command = new NpgsqlCommand(
            $"select l.line_number, l.end_to_end_id, l.household_id, l.recipient_name, l.account_number, l.amount, (b.data ->> 'PaymentDeadline')::timestamptz "
            + $"from {MartenTables.Own(session.DocumentStore, DisbursementLines.LineTable)} as l join {MartenTables.Documents<DisbursementBatch>(session.DocumentStore)} as b on b.id = l.batch_id "
            + "where l.bank = @bank and l.batch_id = @batch and l.line_number > @after "
            // A line held or cancelled before the bank read it is not sent to be paid: its notice follows in the feed.
            + $"and not exists (select 1 from {MartenTables.Own(session.DocumentStore, PaymentEvents.TableName)} as e where e.batch_id = l.batch_id and e.line_number = l.line_number "
            + $"and e.kind in ('{PaymentEvents.Held}', '{PaymentEvents.Cancelled}')) "
            + $"order by l.line_number limit {limit}",
            connection);
        command.Parameters.AddWithValue("bank", bank);
        command.Parameters.AddWithValue("batch", batchId);
        command.Parameters.AddWithValue("after", afterLine);
        var lines = new List<LineToPay>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            lines.Add(new LineToPay(batchId, reader.GetInt64(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return lines;
    }

    /// <summary>A line's end-to-end id, for an instruction about it.</summary>
    public static async Task<string?> EndToEndIdAsync(IQuerySession session, Guid batchId, long lineNumber, CancellationToken cancellationToken) =>
        (await session.AdvancedSql.QueryAsync<string>(
            $"select end_to_end_id from {MartenTables.Own(session.DocumentStore, DisbursementLines.LineTable)} where batch_id = ? and line_number = ?",
            cancellationToken,
            batchId,
            lineNumber)).FirstOrDefault();

    private static void AboutLine(IDocumentSession session, Guid batchId, long lineNumber, string kind, string reason)
    {
        Serialize(session);
        session.QueueSqlCommand(
            $"insert into {TableOf(session)} (bank, batch_id, line_number, kind, reason) "
            + $"select bank, batch_id, line_number, ?, ? from {MartenTables.Own(session.DocumentStore, DisbursementLines.LineTable)} where batch_id = ? and line_number = ?",
            kind,
            reason,
            batchId,
            lineNumber);
    }

    /// <summary>
    /// Makes the session's transaction the one writer of bank feeds until it ends (it locks the one row
    /// of <see cref="WriterTable"/>), so that positions commit in the order they are drawn. Queued
    /// before every statement that appends to a feed.
    /// </summary>
    public static void Serialize(IDocumentSession session) =>
        session.QueueSqlCommand($"update {MartenTables.Own(session.DocumentStore, WriterTable)} set writes = writes + 1 where id = 1");

    /// <summary>The row every writer of bank feeds locks: written once by the migration.</summary>
    public static async Task EnsureWriterRowAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"insert into {schema}.{WriterTable} (id, writes) values (1, 0) on conflict (id) do nothing", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<NpgsqlConnection> OpenAsync(IQuerySession session, CancellationToken cancellationToken)
    {
        var connection = session.DocumentStore.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static string TableOf(IQuerySession session) => MartenTables.Own(session.DocumentStore, TableName);
}
