using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Storage;

namespace Interop.Hub.Audit.Replay;

/// <summary>
/// A disbursement line as it stood after each of its payment events: the line as issued (version 0),
/// then each event folded on (a confirmation applied sets its status and is counted, one kept for
/// review is counted, a cancellation or a hold gives its reason). The same state the steward reads
/// now (<see cref="StoredLine"/>), at any version. Pure.
/// </summary>
internal static class LineHistory
{
    public static StoredLine Issued(BatchLine line) => new(line, PaymentStatus.Unspecified, 0, 0, null);

    public static StoredLine Apply(StoredLine state, PaymentEvent change) => change.Kind switch
    {
        PaymentEvents.Applied when change.Confirmation is { } confirmation =>
            state with { Status = confirmation.Status, ConfirmationsApplied = state.ConfirmationsApplied + 1 },
        PaymentEvents.Contradiction => state with { KeptForReview = state.KeptForReview + 1 },
        PaymentEvents.Cancelled => state with { CancelledBecause = state.CancelledBecause ?? change.Reason },
        PaymentEvents.Held => state with { HeldBecause = state.HeldBecause ?? change.Reason },
        _ => state,
    };

    /// <summary>The states after version 0 (issued) and after each event, in order.</summary>
    public static IReadOnlyList<StoredLine> States(BatchLine line, IEnumerable<PaymentEvent> events)
    {
        var states = new List<StoredLine> { Issued(line) };
        foreach (var change in events)
        {
            states.Add(Apply(states[^1], change));
        }

        return states;
    }
}
