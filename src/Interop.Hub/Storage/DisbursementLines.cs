using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Disbursements.Confirmations;
using Marten;
using Npgsql;
using NpgsqlTypes;
using Weasel.Postgresql.Tables;

namespace Interop.Hub.Storage;

/// <summary>A stored line as the steward reads it: the line; where its payment stands, how many confirmations were applied and kept for review; whether (and why) it was cancelled.</summary>
internal sealed record StoredLine(BatchLine Line, PaymentStatus Status, long ConfirmationsApplied, long KeptForReview, string? CancelledBecause, string? HeldBecause = null);

/// <summary>
/// A batch's lines and the households it left out: the snapshot of what was owed at the cut-off,
/// written once by binary COPY when the batch is issued (no size cap, nothing held in memory whole)
/// and never updated (the serving role may only insert and read them). What happens to a line
/// afterwards (confirmations, cancellation) is appended to its events (<see cref="PaymentEvents"/>).
/// </summary>
internal static class DisbursementLines
{
    public const string LineTable = "disbursement_line";
    public const string LeftOutTable = "disbursement_left_out";

    public static IEnumerable<Table> Definitions(string schema)
    {
        var lines = new Table($"{schema}.{LineTable}");
        lines.AddColumn<Guid>("batch_id").AsPrimaryKey();
        lines.AddColumn<long>("line_number").AsPrimaryKey();
        lines.AddColumn<string>("end_to_end_id").NotNull();
        lines.AddColumn<string>("round").NotNull();
        lines.AddColumn<Guid>("household_id").NotNull();
        lines.AddColumn<string>("recipient_nik").NotNull();
        lines.AddColumn<string>("recipient_name").NotNull();
        lines.AddColumn<string>("bank").NotNull();
        lines.AddColumn<string>("account_number").NotNull();
        lines.AddColumn<long>("amount").NotNull();
        lines.AddColumn<string>("regency_code").NotNull();
        // The order lines were stored in, which the audit log takes them by.
        lines.AddColumn("sequence", "bigserial").NotNull();
        lines.Indexes.Add(new IndexDefinition($"idx_{LineTable}_sequence") { Columns = ["sequence"], IsUnique = true });
        lines.Indexes.Add(new IndexDefinition($"idx_{LineTable}_end_to_end_id") { Columns = ["end_to_end_id"], IsUnique = true });
        // A household, and a person, is paid once a round whatever the batch: the store refuses a second line.
        lines.Indexes.Add(new IndexDefinition($"idx_{LineTable}_round") { Columns = ["round", "household_id"], IsUnique = true });
        lines.Indexes.Add(new IndexDefinition($"idx_{LineTable}_round_recipient") { Columns = ["round", "recipient_nik"], IsUnique = true });
        // A change to a household (a death) finds its lines to hold.
        lines.Indexes.Add(new IndexDefinition($"idx_{LineTable}_household") { Columns = ["household_id"] });
        lines.Indexes.Add(new IndexDefinition($"idx_{LineTable}_bank") { Columns = ["bank", "batch_id", "line_number"] });
        yield return lines;

        var leftOut = new Table($"{schema}.{LeftOutTable}");
        leftOut.AddColumn<Guid>("batch_id").AsPrimaryKey();
        leftOut.AddColumn<Guid>("household_id").AsPrimaryKey();
        leftOut.AddColumn<string>("reason").NotNull();
        leftOut.AddColumn("sequence", "bigserial").NotNull();
        leftOut.Indexes.Add(new IndexDefinition($"idx_{LeftOutTable}_sequence") { Columns = ["sequence"], IsUnique = true });
        yield return leftOut;
    }

    /// <summary>"PKH-2026-3": the payment round a line pays, so that a household is paid once per round whatever the batch.</summary>
    public static string RoundKey(Disbursements.Entitlements.ProgrammeStage round) => $"{round.Programme.ToString().ToUpperInvariant()}-{round.Year}-{round.Stage}";

    /// <summary>
    /// Makes the session's open transaction the one issuing a batch of this round until it ends, so
    /// that two batches of a round issued at once cannot both pay a household (the second reads what
    /// the first stored).
    /// </summary>
    public static async Task LockRoundAsync(IDocumentSession session, Disbursements.Entitlements.ProgrammeStage round, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select pg_advisory_xact_lock(hashtext(@round))", Connection(session));
        command.Parameters.AddWithValue("round", "interop-hub:batch-round:" + RoundKey(round));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The recipients (NIKs) with a line of this round in any batch.</summary>
    public static async Task<IReadOnlySet<string>> RecipientsPaidInAsync(IQuerySession session, Disbursements.Entitlements.ProgrammeStage round, CancellationToken cancellationToken) =>
        (await session.AdvancedSql.QueryAsync<string>($"select recipient_nik from {Qualified(session, LineTable)} where round = ?", cancellationToken, RoundKey(round))).ToHashSet(StringComparer.Ordinal);

    /// <summary>The households with a line of this round in any batch (cancelled lines included: a cancelled payment is re-issued deliberately, not by a new batch).</summary>
    public static async Task<IReadOnlySet<Guid>> HouseholdsPaidInAsync(IQuerySession session, Disbursements.Entitlements.ProgrammeStage round, CancellationToken cancellationToken) =>
        (await session.AdvancedSql.QueryAsync<Guid>($"select household_id from {Qualified(session, LineTable)} where round = ?", cancellationToken, RoundKey(round))).ToHashSet();

    /// <summary>Writes the lines with one binary COPY on the session's connection, inside its open transaction.</summary>
    public static async Task CopyLinesAsync(IDocumentSession session, Guid batchId, Disbursements.Entitlements.ProgrammeStage round, IReadOnlyList<BatchLine> lines, CancellationToken cancellationToken)
    {
        if (lines.Count == 0)
        {
            return;
        }

        var roundKey = RoundKey(round);
        await using var import = await Connection(session).BeginBinaryImportAsync(
            $"copy {Qualified(session, LineTable)} (batch_id, line_number, end_to_end_id, round, household_id, recipient_nik, recipient_name, bank, account_number, amount, regency_code) from stdin (format binary)",
            cancellationToken);
        foreach (var line in lines)
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(batchId, NpgsqlDbType.Uuid, cancellationToken);
            await import.WriteAsync(line.Number, NpgsqlDbType.Bigint, cancellationToken);
            await import.WriteAsync(line.EndToEndId, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(roundKey, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(line.HouseholdId, NpgsqlDbType.Uuid, cancellationToken);
            await import.WriteAsync(line.RecipientNik, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(line.RecipientName, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(line.Account.Bank, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(line.Account.AccountNumber, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(line.Amount, NpgsqlDbType.Bigint, cancellationToken);
            await import.WriteAsync(line.RegencyCode, NpgsqlDbType.Text, cancellationToken);
        }

        await import.CompleteAsync(cancellationToken);
    }

    /// <summary>Writes the households left out, with why, in one binary COPY inside the session's open transaction.</summary>
    public static async Task CopyLeftOutAsync(IDocumentSession session, Guid batchId, IReadOnlyList<LeftOut> leftOut, CancellationToken cancellationToken)
    {
        if (leftOut.Count == 0)
        {
            return;
        }

        await using var import = await Connection(session).BeginBinaryImportAsync(
            $"copy {Qualified(session, LeftOutTable)} (batch_id, household_id, reason) from stdin (format binary)", cancellationToken);
        foreach (var left in leftOut)
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(batchId, NpgsqlDbType.Uuid, cancellationToken);
            await import.WriteAsync(left.HouseholdId, NpgsqlDbType.Uuid, cancellationToken);
            await import.WriteAsync(left.Reason, NpgsqlDbType.Text, cancellationToken);
        }

        await import.CompleteAsync(cancellationToken);
    }

    /// <summary>The batch's totals counted from its stored lines (what sealing checks the declared totals against).</summary>
    public static async Task<ControlTotals> TotalsAsync(IQuerySession session, Guid batchId, CancellationToken cancellationToken)
    {
        var row = (await session.AdvancedSql.QueryAsync<long, long>(
            $"select row(count(*)), row(coalesce(sum(amount), 0)::bigint) from {Qualified(session, LineTable)} where batch_id = ?", cancellationToken, batchId)).Single();
        return new ControlTotals(row.Item1, row.Item2);
    }

    /// <summary>How many households the batch left out, by reason.</summary>
    public static async Task<IReadOnlyList<(string Reason, long Count)>> LeftOutByReasonAsync(IQuerySession session, Guid batchId, CancellationToken cancellationToken) =>
        (await session.AdvancedSql.QueryAsync<string, long>(
            $"select row(reason), row(count(*)) from {Qualified(session, LeftOutTable)} where batch_id = ? group by reason order by count(*) desc, reason",
            cancellationToken,
            batchId)).Select(row => (row.Item1, row.Item2)).ToList();

    /// <summary>A page of the batch's lines after a line number, in order, with their cancellations.</summary>
    public static async Task<IReadOnlyList<StoredLine>> PageAsync(IQuerySession session, Guid batchId, long afterLine, int limit, CancellationToken cancellationToken)
    {
        var events = Qualified(session, PaymentEvents.TableName);
        const string OfLine = "e.batch_id = l.batch_id and e.line_number = l.line_number";
        await using var command = new NpgsqlCommand(
            $"select l.line_number, l.end_to_end_id, l.household_id, l.recipient_nik, l.recipient_name, l.bank, l.account_number, l.amount, l.regency_code, "
            + $"(select e.reason from {events} as e where {OfLine} and e.kind = '{PaymentEvents.Cancelled}' limit 1), "
            + $"(select e.status from {events} as e where {OfLine} and e.kind = '{PaymentEvents.Applied}' order by e.line_version desc limit 1), "
            + $"(select count(*) from {events} as e where {OfLine} and e.kind = '{PaymentEvents.Applied}'), "
            + $"(select count(*) from {events} as e where {OfLine} and e.kind = '{PaymentEvents.Contradiction}'), "
            + $"(select e.reason from {events} as e where {OfLine} and e.kind = '{PaymentEvents.Held}' limit 1) "
            + $"from {Qualified(session, LineTable)} as l "
            + "where l.batch_id = @batch and l.line_number > @after order by l.line_number limit @limit");
        command.Parameters.AddWithValue("batch", batchId);
        command.Parameters.AddWithValue("after", afterLine);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadLinesAsync(session, command, cancellationToken);
    }

    /// <summary>One line of a batch, if it has that number.</summary>
    public static async Task<StoredLine?> OneAsync(IQuerySession session, Guid batchId, long lineNumber, CancellationToken cancellationToken) =>
        (await PageAsync(session, batchId, lineNumber - 1, 1, cancellationToken)).FirstOrDefault(line => line.Line.Number == lineNumber);

    private static async Task<IReadOnlyList<StoredLine>> ReadLinesAsync(IQuerySession session, NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var connection = session.DocumentStore.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        command.Connection = connection;
        var lines = new List<StoredLine>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            lines.Add(new StoredLine(
                new BatchLine(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    reader.GetGuid(2),
                    reader.GetString(3),
                    reader.GetString(4),
                    new PaymentAccount(reader.GetString(5), reader.GetString(6)),
                    reader.GetInt64(7),
                    reader.GetString(8)),
                reader.IsDBNull(10) ? PaymentStatus.Unspecified : PaymentStatuses.FromStored(reader.GetString(10)),
                reader.GetInt64(11),
                reader.GetInt64(12),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(13) ? null : reader.GetString(13)));
        }

        return lines;
    }

    private static NpgsqlConnection Connection(IQuerySession session) =>
        session.Connection ?? throw new InvalidOperationException("The session has no open connection.");

    private static string Qualified(IQuerySession session, string table) => MartenTables.Own(session.DocumentStore, table);
}
