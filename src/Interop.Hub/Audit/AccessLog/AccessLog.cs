using System.Threading.Channels;
using Interop.Hub.Storage;
using Marten;

namespace Interop.Hub.Audit.AccessLog;

/// <summary>
/// Appends entries to the access log and reads them back. Entries are written in batches by one
/// writer (group commit): a read waits until its entry is stored before its answer leaves, and many
/// concurrent reads share one round trip. Refusals are queued without waiting (the refused caller
/// has its answer already). Entries still queued when the hub stops are written before it exits.
/// </summary>
internal sealed class AccessLog(IDocumentStore store, ILogger<AccessLog> logger) : BackgroundService
{
    private const int MaxBatch = 1_000;

    /// <summary>Bounded: a flood of refusals waits for room rather than growing without end.</summary>
    private readonly Channel<Pending> queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(50_000) { SingleReader = true });

    private string Schema => store.Options.DatabaseSchemaName;

    /// <summary>Stores the entry; completes once it is in the database (fails if it cannot be stored).</summary>
    public async Task RecordAsync(AccessEntry entry, CancellationToken cancellationToken)
    {
        var pending = new Pending(entry, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await queue.Writer.WriteAsync(pending, cancellationToken);
        await pending.Stored!.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Queues the entry to be stored with the next batch.</summary>
    public ValueTask EnqueueAsync(AccessEntry entry, CancellationToken cancellationToken = default) =>
        queue.Writer.WriteAsync(new Pending(entry, null), cancellationToken);

    public async Task<IReadOnlyList<StoredAccessEntry>> QueryAsync(AccessLogQuery query, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        return await AccessLogTable.QueryAsync(connection, Schema, query, cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        // Not stopped by stoppingToken: the queue is completed on stop and drained to its end.
        while (await queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            await WriteAsync(batch);
            batch.Clear();
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = store.Storage.Database.CreateConnection();
                await connection.OpenAsync();
                await AccessLogTable.AppendAsync(connection, Schema, [.. batch.Select(pending => pending.Entry)], CancellationToken.None);
                foreach (var pending in batch)
                {
                    pending.Stored?.TrySetResult();
                }

                return;
            }
            catch (Exception exception) when (attempt < 3)
            {
                logger.LogWarning("Access log batch of {Count} entries not stored (attempt {Attempt}): {ExceptionType}; retrying", batch.Count, attempt, exception.GetType().Name);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
            catch (Exception exception)
            {
                logger.LogError("Access log batch of {Count} entries could not be stored: {ExceptionType}; the reads waiting on it are refused", batch.Count, exception.GetType().Name);
                foreach (var pending in batch)
                {
                    pending.Stored?.TrySetException(new AccessLogUnavailableException(exception));
                }

                return;
            }
        }
    }

    private sealed record Pending(AccessEntry Entry, TaskCompletionSource? Stored);
}

/// <summary>The access log could not store an entry: the read it records must not be answered.</summary>
internal sealed class AccessLogUnavailableException(Exception inner) : Exception("The access log is unavailable.", inner);
