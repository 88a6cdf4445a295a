using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Storage;
using Marten;

namespace Interop.Hub.Disbursements.Reconciliation;

/// <summary>What asking for a batch's reconciliation comes to.</summary>
internal abstract record ReconciliationRead
{
    public sealed record Reported(DisbursementBatch Batch, DateTimeOffset AsOf, ReconciliationReport Report) : ReconciliationRead;

    public sealed record NoBatch : ReconciliationRead;

    /// <summary>The batch is not sealed: nothing was sent to a bank yet.</summary>
    public sealed record NotSealed : ReconciliationRead;

    /// <summary>The moment asked for is before the batch was sealed, or to come.</summary>
    public sealed record OutOfRange(string Reason) : ReconciliationRead;
}

/// <summary>
/// A batch's reconciliation as it stood at any moment since it was sealed: its lines' events up to the
/// moment folded line by line (<see cref="ReconciliationTally"/>), and the confirmations for no known
/// line that name it. Read only.
/// </summary>
internal sealed class BatchReconciliation(IDocumentStore store, TimeProvider clock)
{
    public async Task<ReconciliationRead> ReportAsync(Guid batchId, DateTimeOffset? asOf, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        if (await session.LoadAsync<DisbursementBatch>(batchId, cancellationToken) is not { } batch)
        {
            return new ReconciliationRead.NoBatch();
        }

        if (batch is not { Status: BatchStatus.Sealed, SealedAt: { } sealedAt })
        {
            return new ReconciliationRead.NotSealed();
        }

        var now = clock.GetUtcNow();
        var moment = asOf ?? now;
        if (moment < sealedAt)
        {
            return new ReconciliationRead.OutOfRange($"the batch was sealed at {sealedAt:yyyy-MM-dd'T'HH:mm:ss'Z'}: there is nothing to reconcile before");
        }

        if (moment > now)
        {
            return new ReconciliationRead.OutOfRange("the moment is to come: a report is of what banks have said so far");
        }

        var tally = new ReconciliationTally(moment, batch.PaymentDeadline);
        await foreach (var line in ReconciliationReads.LinesAsync(store, batchId, moment, cancellationToken))
        {
            tally.Add(line);
        }

        var unknown = await ReconciliationReads.UnknownByBankAsync(store, EndToEndIds.PrefixOf(batch.Round, batch.Id), moment, cancellationToken);
        return new ReconciliationRead.Reported(batch, moment, tally.Report(unknown));
    }
}
