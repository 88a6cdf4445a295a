using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Partners;
using Marten;
using Npgsql;
using NpgsqlTypes;
using Weasel.Postgresql.Tables;

namespace Interop.Hub.Storage;

/// <summary>One event of a line: its place in the line's history, what it is, and the bank's confirmation it carries (applied or kept aside).</summary>
internal sealed record PaymentEvent(Guid BatchId, long LineNumber, int LineVersion, string Kind, Confirmation? Confirmation, string? Reason, Actor Actor);

/// <summary>A line of a sealed batch as a confirmation finds it: the line, and its events so far, oldest first.</summary>
internal sealed record LineWithEvents(Guid BatchId, BatchLine Line, IReadOnlyList<PaymentEvent> Events)
{
    public int Version => Events.Count == 0 ? 0 : Events[^1].LineVersion;

    public IReadOnlyList<Confirmation> Applied => [.. Events.Where(e => e.Kind == PaymentEvents.Applied).Select(e => e.Confirmation!)];
}

/// <summary>
/// What happened to each line of a batch, as events appended in order and never changed (the serving
/// role may only insert and read them): a bank's confirmation applied, one kept aside as a
/// contradiction, the steward's cancellation. Each line's events are numbered (<c>line_version</c>,
/// unique per line), so two commits deciding on the same line at once cannot both append: the later
/// loses on the key and decides again. A line's state at any moment is the fold of its events up to
/// that moment, so the reconciliation of any past moment can be rebuilt. Confirmations for no line
/// the bank holds are kept apart (<see cref="UnknownTable"/>), to be counted.
/// </summary>
internal static class PaymentEvents
{
    public const string TableName = "payment_event";
    public const string UnknownTable = "unknown_confirmation";

    /// <summary>A bank's confirmation, taken as the line's new status.</summary>
    public const string Applied = "applied";

    /// <summary>A confirmation that contradicts what the bank said before: kept for review, never applied.</summary>
    public const string Contradiction = "contradiction";

    /// <summary>The steward cancelled the line before it was paid, with a reason.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The registry changed after the cut-off (a death, a deactivation, a merge): the bank is told to hold the line.</summary>
    public const string Held = "held";

    public const string CertificateColumn = "certificate_thumbprint";
    public const string CorrelationColumn = "correlation_id";

    /// <summary>The columns that name who acted, in the order <see cref="ActorValues"/> gives their values.</summary>
    public const string ActorColumns = $"partner_id, officer_id, {CertificateColumn}, {CorrelationColumn}";

    /// <summary>The values of <see cref="ActorColumns"/> as statement parameters.</summary>
    public static object[] ActorValues(Actor actor) =>
        [actor.PartnerId, (object?)actor.OfficerId ?? DBNull.Value, (object?)actor.Certificate ?? DBNull.Value, (object?)actor.CorrelationId ?? DBNull.Value];

    public static IEnumerable<Table> Definitions(string schema)
    {
        var table = new Table($"{schema}.{TableName}");
        table.AddColumn("sequence", "bigserial").AsPrimaryKey();
        table.AddColumn<Guid>("batch_id").NotNull();
        table.AddColumn<long>("line_number").NotNull();
        table.AddColumn<int>("line_version").NotNull();
        // The moment of the insert, not of the transaction's start: a report as of a moment sees what was recorded by then.
        table.AddColumn("recorded_at", "timestamptz").NotNull().DefaultValueByExpression("clock_timestamp()");
        table.AddColumn<string>("kind").NotNull();
        table.AddColumn<string>("status");
        table.AddColumn<string>("reason");
        table.AddColumn("amount", "bigint");
        table.AddColumn<string>("currency");
        table.AddColumn<string>("bank_reference");
        table.AddColumn<string>("partner_id").NotNull();
        table.AddColumn<string>("officer_id");
        // The certificate the partner called with and the call's correlation id (null for events stored before the hub kept them).
        table.AddColumn<string>(CertificateColumn);
        table.AddColumn<string>(CorrelationColumn);
        table.Indexes.Add(new IndexDefinition($"idx_{TableName}_line") { Columns = ["batch_id", "line_number", "line_version"], IsUnique = true });
        yield return table;

        var unknown = new Table($"{schema}.{UnknownTable}");
        unknown.AddColumn("sequence", "bigserial").AsPrimaryKey();
        unknown.AddColumn("recorded_at", "timestamptz").NotNull().DefaultValueByExpression("clock_timestamp()");
        unknown.AddColumn<string>("bank").NotNull();
        unknown.AddColumn<string>("end_to_end_id").NotNull();
        // The batch the id names ("PKH26S3-1A2B3C4D-"), for its report; empty for an id that names none.
        unknown.AddColumn<string>("batch_prefix").NotNull();
        unknown.AddColumn<string>("status").NotNull();
        unknown.AddColumn("amount", "bigint").NotNull();
        // A resent unknown confirmation is kept (and counted) once.
        unknown.Indexes.Add(new IndexDefinition($"idx_{UnknownTable}_once") { Columns = ["bank", "end_to_end_id", "status", "amount"], IsUnique = true });
        unknown.Indexes.Add(new IndexDefinition($"idx_{UnknownTable}_batch") { Columns = ["batch_prefix"] });
        yield return unknown;
    }

    /// <summary>Queues the cancellation of a line after the version its decision read, in the session's transaction.</summary>
    public static void AppendCancellation(IDocumentSession session, Guid batchId, long lineNumber, int readVersion, string reason, Actor actor) =>
        session.QueueSqlCommand(
            $"insert into {TableOf(session)} (batch_id, line_number, line_version, kind, reason, {ActorColumns}) values (?, ?, ?, '{Cancelled}', ?, ?, ?, ?, ?)",
            [batchId, lineNumber, readVersion + 1, reason, .. ActorValues(actor)]);

    /// <summary>The line's events, oldest first.</summary>
    public static async Task<IReadOnlyList<PaymentEvent>> OfLineAsync(IQuerySession session, Guid batchId, long lineNumber, CancellationToken cancellationToken) =>
        [.. (await HistoryOfLineAsync(session, batchId, lineNumber, cancellationToken)).Select(stored => stored.Event)];

    /// <summary>The line's events, oldest first, each with its place in the table's sequence and the moment it was recorded.</summary>
    public static async Task<IReadOnlyList<(long Sequence, DateTimeOffset RecordedAt, PaymentEvent Event)>> HistoryOfLineAsync(IQuerySession session, Guid batchId, long lineNumber, CancellationToken cancellationToken)
    {
        await using var connection = session.DocumentStore.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"select e.sequence, e.recorded_at, {EventColumns("e")} from {TableOf(session)} as e where e.batch_id = @batch and e.line_number = @line order by e.line_version", connection);
        command.Parameters.AddWithValue("batch", batchId);
        command.Parameters.AddWithValue("line", lineNumber);
        var events = new List<(long, DateTimeOffset, PaymentEvent)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add((reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), ReadEvent(reader, batchId, lineNumber, string.Empty, offset: 2)));
        }

        return events;
    }

    /// <summary>
    /// The lines of sealed batches with these end-to-end ids, each with its events so far: one index
    /// probe per id (the lines' unique end-to-end index, then the events' line index).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, LineWithEvents>> LinesAsync(NpgsqlConnection connection, IDocumentStore store, IReadOnlyCollection<string> endToEndIds, CancellationToken cancellationToken)
    {
        var lines = new Dictionary<string, LineWithEvents>(StringComparer.Ordinal);
        if (endToEndIds.Count == 0)
        {
            return lines;
        }

        var lineTable = MartenTables.Own(store, DisbursementLines.LineTable);
        var batchTable = MartenTables.Documents<DisbursementBatch>(store);
        // Each id is looked up by itself (a subquery with an offset is never merged into the joins): with
        // counts the planner has not caught up with, the joined form read every line of the batch for each lookup.
        await using var command = new NpgsqlCommand(
            $"select l.batch_id, l.line_number, l.end_to_end_id, l.household_id, l.bank, l.amount, l.regency_code, {EventColumns("e")} "
            + "from unnest(@ids::text[]) as wanted(id) "
            + $"cross join lateral (select * from {lineTable} as one where one.end_to_end_id = wanted.id offset 0) as l "
            + $"cross join lateral (select 1 from {batchTable} as b where b.id = l.batch_id and b.data ->> 'Status' = '{nameof(BatchStatus.Sealed)}' offset 0) as sealed "
            + $"left join lateral (select * from {MartenTables.Own(store, TableName)} as one where one.batch_id = l.batch_id and one.line_number = l.line_number offset 0) as e on true "
            + "order by l.end_to_end_id, e.line_version",
            connection);
        command.Parameters.AddWithValue("ids", endToEndIds.ToArray());
        var events = new Dictionary<string, List<PaymentEvent>>(StringComparer.Ordinal);
        var found = new Dictionary<string, (Guid Batch, BatchLine Line)>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var endToEndId = reader.GetString(2);
                if (!found.ContainsKey(endToEndId))
                {
                    var batchId = reader.GetGuid(0);
                    found[endToEndId] = (batchId, new BatchLine(
                        reader.GetInt64(1), endToEndId, reader.GetGuid(3), string.Empty, string.Empty, new PaymentAccount(reader.GetString(4), string.Empty), reader.GetInt64(5), reader.GetString(6)));
                    events[endToEndId] = [];
                }

                if (!reader.IsDBNull(7))
                {
                    events[endToEndId].Add(ReadEvent(reader, found[endToEndId].Batch, found[endToEndId].Line.Number, endToEndId, offset: 7));
                }
            }
        }

        foreach (var (endToEndId, (batch, line)) in found)
        {
            lines[endToEndId] = new LineWithEvents(batch, line, events[endToEndId]);
        }

        return lines;
    }

    /// <summary>Appends the events with one binary COPY on the session's connection (a key another commit took first fails it).</summary>
    public static async Task CopyAsync(NpgsqlConnection connection, IDocumentStore store, IReadOnlyList<PaymentEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        await using var import = await connection.BeginBinaryImportAsync(
            $"copy {MartenTables.Own(store, TableName)} (batch_id, line_number, line_version, kind, status, reason, amount, currency, bank_reference, {ActorColumns}) from stdin (format binary)",
            cancellationToken);
        foreach (var change in events)
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(change.BatchId, NpgsqlDbType.Uuid, cancellationToken);
            await import.WriteAsync(change.LineNumber, NpgsqlDbType.Bigint, cancellationToken);
            await import.WriteAsync(change.LineVersion, NpgsqlDbType.Integer, cancellationToken);
            await import.WriteAsync(change.Kind, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(import, change.Confirmation is { } status ? PaymentStatuses.StoredName(status.Status) : null, cancellationToken);
            await WriteAsync(import, change.Confirmation?.Reason ?? change.Reason, cancellationToken);
            if (change.Confirmation is { } confirmation)
            {
                await import.WriteAsync(confirmation.Amount, NpgsqlDbType.Bigint, cancellationToken);
            }
            else
            {
                await import.WriteNullAsync(cancellationToken);
            }

            await WriteAsync(import, change.Confirmation?.Currency, cancellationToken);
            await WriteAsync(import, change.Confirmation?.BankReference, cancellationToken);
            await import.WriteAsync(change.Actor.PartnerId, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(import, change.Actor.OfficerId, cancellationToken);
            await WriteAsync(import, change.Actor.Certificate, cancellationToken);
            await WriteAsync(import, change.Actor.CorrelationId, cancellationToken);
        }

        await import.CompleteAsync(cancellationToken);
    }

    /// <summary>Keeps the confirmations for no line the bank holds, to be counted (each once, however often resent).</summary>
    public static async Task CopyUnknownAsync(NpgsqlConnection connection, IDocumentStore store, string bank, IReadOnlyList<Confirmation> confirmations, CancellationToken cancellationToken)
    {
        if (confirmations.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(
            $"insert into {MartenTables.Own(store, UnknownTable)} (bank, end_to_end_id, batch_prefix, status, amount) "
            + "select @bank, id, prefix, status, amount from unnest(@ids::text[], @prefixes::text[], @statuses::text[], @amounts::bigint[]) as u(id, prefix, status, amount) "
            + "on conflict do nothing",
            connection);
        command.Parameters.AddWithValue("bank", bank);
        command.Parameters.AddWithValue("ids", confirmations.Select(confirmation => confirmation.EndToEndId).ToArray());
        command.Parameters.AddWithValue("prefixes", confirmations.Select(confirmation => EndToEndIds.BatchPrefixOf(confirmation.EndToEndId) ?? string.Empty).ToArray());
        command.Parameters.AddWithValue("statuses", confirmations.Select(confirmation => PaymentStatuses.StoredName(confirmation.Status)).ToArray());
        command.Parameters.AddWithValue("amounts", confirmations.Select(confirmation => confirmation.Amount).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string EventColumns(string alias) =>
        $"{alias}.line_version, {alias}.kind, {alias}.status, {alias}.reason, {alias}.amount, {alias}.currency, {alias}.bank_reference, {alias}.partner_id, {alias}.officer_id, {alias}.{CertificateColumn}, {alias}.{CorrelationColumn}";

    private static PaymentEvent ReadEvent(NpgsqlDataReader reader, Guid batchId, long lineNumber, string endToEndId, int offset = 0)
    {
        var kind = reader.GetString(offset + 1);
        var status = reader.IsDBNull(offset + 2) ? null : reader.GetString(offset + 2);
        var reason = reader.IsDBNull(offset + 3) ? null : reader.GetString(offset + 3);
        var actor = new Actor(reader.GetString(offset + 7), PartnerKind.Unspecified, TextOrNull(reader, offset + 8), TextOrNull(reader, offset + 9), TextOrNull(reader, offset + 10));
        var confirmation = status is null
            ? null
            : new Confirmation(
                endToEndId,
                PaymentStatuses.FromStored(status),
                reason,
                reader.GetInt64(offset + 4),
                reader.GetString(offset + 5),
                reader.IsDBNull(offset + 6) ? string.Empty : reader.GetString(offset + 6));
        return new PaymentEvent(batchId, lineNumber, reader.GetInt32(offset), kind, confirmation, confirmation is null ? reason : null, actor);
    }

    private static string? TextOrNull(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static Task WriteAsync(NpgsqlBinaryImporter import, string? value, CancellationToken cancellationToken) =>
        value is null ? import.WriteNullAsync(cancellationToken) : import.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);

    private static string TableOf(IQuerySession session) => MartenTables.Own(session.DocumentStore, TableName);
}
