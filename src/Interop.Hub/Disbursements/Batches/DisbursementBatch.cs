using Interop.Hub.Disbursements.Entitlements;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Storage;
using JasperFx.Events;

namespace Interop.Hub.Disbursements.Batches;

/// <summary>
/// The steward issued a batch for one payment round from the registry as it stood at the cut-off;
/// its lines (a snapshot, stored with it) add up to the totals here.
/// </summary>
internal sealed record BatchIssued(
    string Reference,
    SocialProgram Programme,
    int Year,
    int Stage,
    DateTimeOffset CutOff,
    DateTimeOffset PaymentDeadline,
    long LineCount,
    long Amount,
    long LeftOutCount,
    string RequestHash,
    Actor Actor,
    string Reason) : IAttributedEvent;

/// <summary>The steward declared the batch's control totals, they matched its lines, and the batch was sealed: it never changes again.</summary>
internal sealed record BatchSealed(long LineCount, long Amount, Actor Actor, string Reason) : IAttributedEvent;

/// <summary>The steward cancelled a line of the sealed batch before the bank paid it (the line's events hold it too).</summary>
internal sealed record LineCancelled(long LineNumber, Actor Actor, string Reason) : IAttributedEvent;

internal enum BatchStatus
{
    /// <summary>Issued, its lines computed; not yet sent to the banks.</summary>
    Issued = 1,

    /// <summary>Sealed: its lines are the banks' to pay; only a line's cancellation can still touch it.</summary>
    Sealed = 2,
}

/// <summary>A disbursement batch, folded from its stream. Immutable.</summary>
internal sealed record DisbursementBatch(
    Guid Id,
    long Version,
    string Reference,
    ProgrammeStage Round,
    DateTimeOffset CutOff,
    DateTimeOffset PaymentDeadline,
    ControlTotals Totals,
    long LeftOutCount,
    BatchStatus Status,
    string RequestHash,
    Actor IssuedBy,
    DateTimeOffset IssuedAt)
{
    public Actor? SealedBy { get; init; }

    public DateTimeOffset? SealedAt { get; init; }

    /// <summary>Lines cancelled since the batch was sealed.</summary>
    public long CancelledLines { get; init; }

    public static DisbursementBatch Create(IEvent<BatchIssued> issued) =>
        new(
            issued.StreamId,
            issued.Version,
            issued.Data.Reference,
            new ProgrammeStage(issued.Data.Programme, issued.Data.Year, issued.Data.Stage),
            issued.Data.CutOff,
            issued.Data.PaymentDeadline,
            new ControlTotals(issued.Data.LineCount, issued.Data.Amount),
            issued.Data.LeftOutCount,
            BatchStatus.Issued,
            issued.Data.RequestHash,
            issued.Data.Actor,
            StoredTime.Of(issued.Timestamp));

    public DisbursementBatch Apply(IEvent<BatchSealed> sealedBatch) =>
        this with { Version = sealedBatch.Version, Status = BatchStatus.Sealed, SealedBy = sealedBatch.Data.Actor, SealedAt = StoredTime.Of(sealedBatch.Timestamp) };

    public DisbursementBatch Apply(IEvent<LineCancelled> cancelled) => this with { Version = cancelled.Version, CancelledLines = CancelledLines + 1 };
}
