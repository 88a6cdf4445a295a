using Interop.Hub.Disbursements.Holds;
using Interop.Hub.Registry;
using Marten;

namespace Interop.Hub.Storage;

/// <summary>
/// Wherever a change to a household is stored (a lifecycle step, a civil registry's death notice, a
/// conflict case's merge), the unpaid lines of its household are held in the same commit: Marten
/// calls this before every session's commit, with the events about to be appended.
/// </summary>
internal sealed class HoldsOnRegistryChanges : DocumentSessionListenerBase
{
    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        var held = session.PendingChanges.Streams()
            .SelectMany(stream => stream.Events.Select(change => (stream.Id, Change: change.Data as IHouseholdEvent)))
            .Where(pending => pending.Change is not null && PaymentHolds.ReasonFor(pending.Change) is not null)
            .GroupBy(pending => PaymentHolds.ReasonFor(pending.Change!)!, pending => (pending.Id, pending.Change!.Actor));
        foreach (var reason in held)
        {
            LineHolds.HoldUnpaid(session, [.. reason.Select(pending => pending.Id).Distinct()], reason.Key, reason.First().Actor);
        }

        return Task.CompletedTask;
    }
}
