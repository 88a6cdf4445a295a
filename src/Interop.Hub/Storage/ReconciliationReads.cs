using System.Runtime.CompilerServices;
using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Disbursements.Reconciliation;
using Marten;
using Npgsql;

namespace Interop.Hub.Storage;

/// <summary>
/// What a reconciliation reads: a batch's lines each with its events up to a moment, streamed in line
/// order by one query (the report of a million lines never holds them), and the confirmations for no
/// known line that name the batch, by bank.
/// </summary>
internal static class ReconciliationReads
{
    public static async IAsyncEnumerable<LineRecord> LinesAsync(IDocumentStore store, Guid batchId, DateTimeOffset asOf, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"select l.line_number, l.end_to_end_id, l.household_id, l.bank, l.amount, l.regency_code, e.kind, e.status, e.reason, e.amount, e.currency, e.bank_reference "
            + $"from {MartenTables.Own(store, DisbursementLines.LineTable)} as l "
            + $"left join {MartenTables.Own(store, PaymentEvents.TableName)} as e on e.batch_id = l.batch_id and e.line_number = l.line_number and e.recorded_at <= @as_of "
            + "where l.batch_id = @batch order by l.line_number, e.line_version",
            connection);
        command.Parameters.AddWithValue("batch", batchId);
        command.Parameters.AddWithValue("as_of", asOf);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        BatchLine? line = null;
        List<Confirmation> applied = [];
        List<Confirmation> contradictions = [];
        var cancelled = false;
        var held = false;
        while (await reader.ReadAsync(cancellationToken))
        {
            var number = reader.GetInt64(0);
            var endToEndId = reader.GetString(1);
            var householdId = reader.GetGuid(2);
            var bank = reader.GetString(3);
            var amount = reader.GetInt64(4);
            var regency = reader.GetString(5);
            if (line is null || line.Number != number)
            {
                if (line is not null)
                {
                    yield return new LineRecord(line, applied, contradictions, cancelled, held);
                }

                line = new BatchLine(number, endToEndId, householdId, string.Empty, string.Empty, new PaymentAccount(bank, string.Empty), amount, regency);
                (applied, contradictions, cancelled, held) = ([], [], false, false);
            }

            var kind = reader.IsDBNull(6) ? null : reader.GetString(6);
            var status = reader.IsDBNull(7) ? null : reader.GetString(7);
            var reason = reader.IsDBNull(8) ? null : reader.GetString(8);
            var moved = reader.IsDBNull(9) ? 0 : reader.GetInt64(9);
            var currency = reader.IsDBNull(10) ? string.Empty : reader.GetString(10);
            var reference = reader.IsDBNull(11) ? string.Empty : reader.GetString(11);
            switch (kind)
            {
                case PaymentEvents.Applied:
                    applied.Add(new Confirmation(endToEndId, PaymentStatuses.FromStored(status!), reason, moved, currency, reference));
                    break;
                case PaymentEvents.Contradiction:
                    contradictions.Add(new Confirmation(endToEndId, PaymentStatuses.FromStored(status!), reason, moved, currency, reference));
                    break;
                case PaymentEvents.Cancelled:
                    cancelled = true;
                    break;
                case PaymentEvents.Held:
                    held = true;
                    break;
            }
        }

        if (line is not null)
        {
            yield return new LineRecord(line, applied, contradictions, cancelled, held);
        }
    }

    /// <summary>Confirmations up to the moment for no known line whose end-to-end id names the batch, by the bank that sent them (a resent one counted once).</summary>
    public static async Task<IReadOnlyDictionary<string, long>> UnknownByBankAsync(IDocumentStore store, string endToEndPrefix, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"select bank, count(*) from {MartenTables.Own(store, PaymentEvents.UnknownTable)} "
            + "where batch_prefix = @prefix and recorded_at <= @as_of group by bank",
            connection);
        command.Parameters.AddWithValue("prefix", endToEndPrefix);
        command.Parameters.AddWithValue("as_of", asOf);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }
}
