using Interop.Hub.Storage;
using Marten;

namespace Interop.Hub.Disbursements.Batches;

/// <summary>A batch with the households it left out, by reason.</summary>
internal sealed record BatchView(DisbursementBatch Batch, IReadOnlyList<(string Reason, long Count)> LeftOut);

/// <summary>What the steward reads of its batches: a batch, and its lines a page at a time.</summary>
internal sealed class BatchReads(IDocumentStore store)
{
    public const int MaxPage = 1_000;

    public async Task<BatchView?> BatchAsync(Guid batchId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<DisbursementBatch>(batchId, cancellationToken) is { } batch
            ? new BatchView(batch, await DisbursementLines.LeftOutByReasonAsync(session, batchId, cancellationToken))
            : null;
    }

    /// <summary>The lines after <paramref name="afterLine"/>, at most <paramref name="limit"/>; null when no batch has the id.</summary>
    public async Task<IReadOnlyList<StoredLine>?> LinesAsync(Guid batchId, long afterLine, int limit, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<DisbursementBatch>(batchId, cancellationToken) is null
            ? null
            : await DisbursementLines.PageAsync(session, batchId, afterLine, limit, cancellationToken);
    }
}
