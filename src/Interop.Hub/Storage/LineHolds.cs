using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Disbursements.Holds;
using Interop.Hub.Partners;
using Marten;
using Marten.Events;

namespace Interop.Hub.Storage;

/// <summary>
/// Holds the unpaid lines of households the registry changed after the cut-off: a line event
/// (<see cref="PaymentEvents.Held"/>) and a notice in its bank's feed, written by one statement in
/// the transaction of the change itself (a death notice holds the lines in the same commit that
/// records the death). A line is unpaid while its batch is sealed and it is neither settled nor
/// finally rejected, returned, reversed, cancelled or held already.
/// </summary>
internal static class LineHolds
{
    /// <summary>Holds the unpaid lines of these households, in the session's transaction.</summary>
    public static void HoldUnpaid(IDocumentSession session, IReadOnlyCollection<Guid> householdIds, string reason, Actor actor)
    {
        if (householdIds.Count == 0)
        {
            return;
        }

        BankInstructions.Serialize(session);
        session.QueueSqlCommand(
            Statement(session, "l.household_id = any(?)", "l.batch_id in (select id from " + MartenTables.Documents<DisbursementBatch>(session.DocumentStore) + $" where data ->> 'Status' = '{nameof(BatchStatus.Sealed)}')"),
            [reason, .. PaymentEvents.ActorValues(actor), householdIds.ToArray(), reason]);
    }

    /// <summary>Holds the lines of a batch being sealed whose households changed after its cut-off (in the sealing transaction).</summary>
    public static void HoldChangedSince(IDocumentSession session, Guid batchId, DateTimeOffset cutOff, Actor actor)
    {
        var names = PaymentHolds.HoldingChanges.Select(type => ((EventGraph)session.DocumentStore.Options.Events).EventMappingFor(type).EventTypeName).ToArray();
        session.QueueSqlCommand(
            Statement(session, "l.batch_id = ?", $"exists (select 1 from {MartenTables.Events(session.DocumentStore)} as e where e.stream_id = l.household_id and e.type = any(?) and e.timestamp > ?)"),
            [PaymentHolds.ChangedBeforeSealing, .. PaymentEvents.ActorValues(actor), batchId,
            names,
            cutOff,
            PaymentHolds.ChangedBeforeSealing]);
    }

    /// <summary>
    /// One statement: the held events appended after each line's last event, and from them the
    /// notices to the lines' banks. Parameters, in order: reason, the actor's (<see cref="PaymentEvents.ActorValues"/>), then those of
    /// <paramref name="which"/> and <paramref name="condition"/>, then the notice's reason.
    /// </summary>
    private static string Statement(IDocumentSession session, string which, string condition)
    {
        var lines = MartenTables.Own(session.DocumentStore, DisbursementLines.LineTable);
        var events = MartenTables.Own(session.DocumentStore, PaymentEvents.TableName);
        var final = string.Join(", ", new[] { PaymentStatus.Settled, PaymentStatus.Rejected, PaymentStatus.Returned, PaymentStatus.Reversed }.Select(status => $"'{PaymentStatuses.StoredName(status)}'"));
        return $"with held as (insert into {events} (batch_id, line_number, line_version, kind, reason, {PaymentEvents.ActorColumns}) "
            + $"select l.batch_id, l.line_number, coalesce((select max(e.line_version) from {events} as e where e.batch_id = l.batch_id and e.line_number = l.line_number), 0) + 1, '{PaymentEvents.Held}', ?, ?, ?, ?, ? "
            + $"from {lines} as l where {which} and {condition} "
            + $"and not exists (select 1 from {events} as e where e.batch_id = l.batch_id and e.line_number = l.line_number "
            + $"and (e.kind in ('{PaymentEvents.Cancelled}', '{PaymentEvents.Held}') or (e.kind = '{PaymentEvents.Applied}' and e.status in ({final})))) "
            + "returning batch_id, line_number) "
            + $"insert into {MartenTables.Own(session.DocumentStore, BankInstructions.TableName)} (bank, batch_id, line_number, kind, reason) "
            + $"select l.bank, l.batch_id, l.line_number, '{BankInstructions.Held}', ? from held join {lines} as l on l.batch_id = held.batch_id and l.line_number = held.line_number";
    }
}
