using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Partners;
using Marten;
using Weasel.Postgresql.Tables;

namespace Interop.Hub.Storage;

/// <summary>
/// What happened to each line of a batch, as events appended in order and never changed (the serving
/// role may only insert and read them): a bank's confirmation applied, one kept aside as a
/// contradiction, the steward's cancellation. A line's state at any moment is the fold of its events
/// up to that moment, so the reconciliation of any past moment can be rebuilt.
/// </summary>
internal static class PaymentEvents
{
    public const string TableName = "payment_event";

    /// <summary>The steward cancelled the line before it was paid, with a reason.</summary>
    public const string Cancelled = "cancelled";

    public static Table Definition(string schema)
    {
        var table = new Table($"{schema}.{TableName}");
        table.AddColumn("sequence", "bigserial").AsPrimaryKey();
        table.AddColumn<Guid>("batch_id").NotNull();
        table.AddColumn<long>("line_number").NotNull();
        table.AddColumn("recorded_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        table.AddColumn<string>("kind").NotNull();
        table.AddColumn<string>("status");
        table.AddColumn<string>("reason");
        table.AddColumn("amount", "bigint");
        table.AddColumn<string>("currency");
        table.AddColumn<string>("bank_reference");
        table.AddColumn<string>("partner_id").NotNull();
        table.AddColumn<string>("officer_id");
        table.Indexes.Add(new IndexDefinition($"idx_{TableName}_line") { Columns = ["batch_id", "line_number", "sequence"] });
        return table;
    }

    /// <summary>Queues the cancellation of a line, in the session's transaction.</summary>
    public static void AppendCancellation(IDocumentSession session, Guid batchId, long lineNumber, string reason, Actor actor) =>
        session.QueueSqlCommand(
            $"insert into {MartenTables.Own(session.DocumentStore, TableName)} (batch_id, line_number, kind, reason, partner_id, officer_id) values (?, ?, '{Cancelled}', ?, ?, ?)",
            batchId,
            lineNumber,
            reason,
            actor.PartnerId,
            (object?)actor.OfficerId ?? DBNull.Value);

    /// <summary>The line's last applied status (Unspecified while none), and whether it is cancelled.</summary>
    public static async Task<(PaymentStatus Status, bool Cancelled)> StandingAsync(IQuerySession session, Guid batchId, long lineNumber, CancellationToken cancellationToken)
    {
        var kinds = await session.AdvancedSql.QueryAsync<string, string>(
            $"select row(kind), row(coalesce(status, '')) from {MartenTables.Own(session.DocumentStore, TableName)} where batch_id = ? and line_number = ? order by sequence",
            cancellationToken,
            batchId,
            lineNumber);
        var status = kinds.Where(row => row.Item1 == Applied).Select(row => PaymentStatuses.FromStored(row.Item2)).LastOrDefault();
        return (status, kinds.Any(row => row.Item1 == Cancelled));
    }

    /// <summary>A bank's confirmation taken as the line's new status.</summary>
    public const string Applied = "applied";
}
