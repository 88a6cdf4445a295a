using System.Runtime.CompilerServices;
using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Disbursements.Reconciliation;
using Marten;
using Npgsql;

namespace Interop.Hub.Storage;

/// <summary>
/// What a reconciliation reads: a batch's lines each with its events up to a moment, streamed in line
/// order (the report of a million lines never holds them), and the confirmations for no known line
/// that name the batch, by bank. The lines and the events are read by two queries at once, each in
/// its own index's order, and merged here: no join, no sort (joined in PostgreSQL, the events of a
/// million lines were hashed or probed a line at a time and sorted, several times slower).
/// </summary>
internal static class ReconciliationReads
{
    public static async IAsyncEnumerable<LineRecord> LinesAsync(IDocumentStore store, Guid batchId, DateTimeOffset asOf, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var lineConnection = store.Storage.Database.CreateConnection();
        await using var eventConnection = store.Storage.Database.CreateConnection();
        await Task.WhenAll(lineConnection.OpenAsync(cancellationToken), eventConnection.OpenAsync(cancellationToken));
        await using var lineCommand = new NpgsqlCommand(
            $"select line_number, end_to_end_id, household_id, bank, amount, regency_code from {MartenTables.Own(store, DisbursementLines.LineTable)} "
            + "where batch_id = @batch order by line_number",
            lineConnection);
        lineCommand.Parameters.AddWithValue("batch", batchId);
        await using var eventCommand = new NpgsqlCommand(
            $"select line_number, kind, status, reason, amount, currency, bank_reference from {MartenTables.Own(store, PaymentEvents.TableName)} "
            + "where batch_id = @batch and recorded_at <= @as_of order by line_number, line_version",
            eventConnection);
        eventCommand.Parameters.AddWithValue("batch", batchId);
        eventCommand.Parameters.AddWithValue("as_of", asOf);
        var opening = eventCommand.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        NpgsqlDataReader lines;
        try
        {
            lines = await lineCommand.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        }
        catch
        {
            // The events' query is cancelled rather than read to its end, and its own failure never replaces this one.
            try
            {
                eventCommand.Cancel();
                await (await opening).DisposeAsync();
            }
            catch (Exception)
            {
                // The line query's failure is the one to report.
            }

            throw;
        }

        await using var lineReader = lines;
        await using var events = await opening;
        // Regencies and banks repeat across a million lines: one string each.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        string Shared(string value) => names.TryGetValue(value, out var shared) ? shared : names[value] = value;
        // The line of the event under the reader (read once: the reader goes forward only), or none after the last.
        long? eventLine = await events.ReadAsync(cancellationToken) ? events.GetInt64(0) : null;
        while (await lines.ReadAsync(cancellationToken))
        {
            var number = lines.GetInt64(0);
            var endToEndId = lines.GetString(1);
            var line = new BatchLine(number, endToEndId, lines.GetGuid(2), string.Empty, string.Empty, new PaymentAccount(Shared(lines.GetString(3)), string.Empty), lines.GetInt64(4), Shared(lines.GetString(5)));
            List<Confirmation> applied = [];
            List<Confirmation> contradictions = [];
            var cancelled = false;
            var held = false;
            // Events of lines before this one cannot exist (every event names a line of its batch); those of this line follow in order.
            while (eventLine <= number)
            {
                if (eventLine == number)
                {
                    var kind = events.GetString(1);
                    var status = events.IsDBNull(2) ? null : events.GetString(2);
                    var reason = events.IsDBNull(3) ? null : events.GetString(3);
                    var moved = events.IsDBNull(4) ? 0 : events.GetInt64(4);
                    var currency = events.IsDBNull(5) ? string.Empty : events.GetString(5);
                    var reference = events.IsDBNull(6) ? string.Empty : events.GetString(6);
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

                eventLine = await events.ReadAsync(cancellationToken) ? events.GetInt64(0) : null;
            }

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
