using Interop.Hub.Audit.Replay;
using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Partners;
using Interop.Hub.Storage;

namespace Interop.UnitTests;

/// <summary>A disbursement line folded from its payment events, as the auditor replays it.</summary>
public sealed class LineHistoryTests
{
    private static readonly BatchLine Line = new(7, "PKH26S1000000000007", Guid.CreateVersion7(), "3273010101900001", "SITI RAHAYU", new PaymentAccount("bri", "0011223344"), 750_000, "32.73");
    private static readonly Actor Bank = new("bri", PartnerKind.Bank);

    private static PaymentEvent Event(int version, string kind, PaymentStatus? status = null, string? reason = null) =>
        new(Guid.Empty, 7, version, kind, status is { } s ? new Confirmation(Line.EndToEndId, s, null, 750_000, "IDR", "BRI-1") : null, reason, Bank);

    [Fact]
    public void Each_event_moves_the_line_on_from_the_state_before_it()
    {
        var states = LineHistory.States(Line, [
            Event(1, PaymentEvents.Applied, PaymentStatus.AcceptedInProcess),
            Event(2, PaymentEvents.Contradiction, reason: "amount differs"),
            Event(3, PaymentEvents.Applied, PaymentStatus.Settled),
        ]);

        Assert.Equal(4, states.Count);
        Assert.Equal((PaymentStatus.Unspecified, 0L, 0L), (states[0].Status, states[0].ConfirmationsApplied, states[0].KeptForReview));
        Assert.Equal((PaymentStatus.AcceptedInProcess, 1L, 0L), (states[1].Status, states[1].ConfirmationsApplied, states[1].KeptForReview));
        Assert.Equal((PaymentStatus.AcceptedInProcess, 1L, 1L), (states[2].Status, states[2].ConfirmationsApplied, states[2].KeptForReview));
        Assert.Equal((PaymentStatus.Settled, 2L, 1L), (states[3].Status, states[3].ConfirmationsApplied, states[3].KeptForReview));
        Assert.All(states, state => Assert.Equal(Line, state.Line));
    }

    [Fact]
    public void A_hold_and_a_cancellation_keep_their_first_reason()
    {
        var states = LineHistory.States(Line, [
            Event(1, PaymentEvents.Held, reason: "household deceased"),
            Event(2, PaymentEvents.Cancelled, reason: "steward cancelled"),
            Event(3, PaymentEvents.Held, reason: "again"),
        ]);

        Assert.Equal(("household deceased", (string?)null), (states[1].HeldBecause, states[1].CancelledBecause));
        Assert.Equal(("household deceased", "steward cancelled"), (states[3].HeldBecause, states[3].CancelledBecause));
    }
}
