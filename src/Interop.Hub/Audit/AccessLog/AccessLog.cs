using System.Threading.Channels;
using Interop.Hub.Storage;
using Marten;

namespace Interop.Hub.Audit.AccessLog;

/// <summary>
/// Appends entries to the access log and reads them back. Entries are written in batches by one
/// writer (group commit): a read waits until its entry is stored before its answer leaves, and many
/// concurrent reads share one round trip. Refusals and handshake counts are queued without waiting
/// (the refused caller has its answer already), in a queue of their own that reads always go before:
/// a flood of refusals cannot delay anyone's reads; past <see cref="MaxQueuedRefusals"/> waiting
/// refusals, further ones are counted instead of kept, and the count is written as an entry. Entries
/// still queued when the hub stops are written before it exits (within <see cref="DrainLimit"/>).
/// </summary>
internal sealed class AccessLog(IDocumentStore store, TimeProvider clock, ILogger<AccessLog> logger) : BackgroundService
{
    public const int MaxQueuedRefusals = 50_000;
    private const int MaxBatch = 1_000;
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(15);

    /// <summary>Reads wait here for room: each holds a call that waits for its entry anyway.</summary>
    private readonly Channel<Pending> reads = Channel.CreateBounded<Pending>(new BoundedChannelOptions(MaxQueuedRefusals) { SingleReader = true });

    private readonly Channel<AccessEntry> refusals = Channel.CreateBounded<AccessEntry>(new BoundedChannelOptions(MaxQueuedRefusals) { SingleReader = true });

    private long unqueuedRefusals;

    /// <summary>Wakes the writer: released once for every entry queued (and at stop).</summary>
    private readonly SemaphoreSlim queued = new(0);

    private string Schema => store.Options.DatabaseSchemaName;

    /// <summary>Stores the entry; completes once it is in the database, or fails (<see cref="AccessLogUnavailableException"/>).</summary>
    public async Task RecordAsync(AccessEntry entry, CancellationToken cancellationToken)
    {
        var stored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await reads.Writer.WriteAsync(new Pending(entry, stored), cancellationToken);
        }
        catch (ChannelClosedException exception)
        {
            throw new AccessLogUnavailableException(exception);
        }

        queued.Release();
        // A caller that stops waiting (its call ended) leaves the outcome to nobody: observe it here.
        _ = stored.Task.ContinueWith(task => _ = task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await stored.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Queues the entry to be stored with a coming batch; never waits.</summary>
    public void Enqueue(AccessEntry entry)
    {
        if (!refusals.Writer.TryWrite(entry))
        {
            Interlocked.Increment(ref unqueuedRefusals);
        }

        queued.Release();
    }

    public async Task<IReadOnlyList<StoredAccessEntry>> QueryAsync(AccessLogQuery query, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        return await AccessLogTable.QueryAsync(connection, Schema, query, cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        reads.Writer.TryComplete();
        refusals.Writer.TryComplete();
        queued.Release();
        // Drained on a deadline of its own: the host's may be spent already on calls that would not end.
        if (ExecuteTask is { } writing)
        {
            try
            {
                await writing.WaitAsync(DrainLimit, CancellationToken.None);
            }
            catch (TimeoutException)
            {
                logger.LogError("The access log could not write its last entries within {Seconds} s of the hub stopping", DrainLimit.TotalSeconds);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        // Not stopped by stoppingToken: the queues are completed on stop and drained to their end.
        while (await AnythingToWriteAsync())
        {
            while (batch.Count < MaxBatch && reads.Reader.TryRead(out var read))
            {
                batch.Add(read);
            }

            while (batch.Count < MaxBatch && refusals.Reader.TryRead(out var refusal))
            {
                batch.Add(new Pending(refusal, null));
            }

            if (Interlocked.Exchange(ref unqueuedRefusals, 0) is > 0 and var unqueued)
            {
                batch.Add(new Pending(
                    new AccessEntry(AccessEntryKind.Refusal, clock.GetUtcNow(), "(many)", null, null, null, null, [], [], "NOT_LOGGED_ONE_BY_ONE", $"{unqueued} refusals came while {MaxQueuedRefusals} were waiting to be written; they are counted here", (int)Math.Min(unqueued, int.MaxValue)),
                    null));
            }

            if (batch.Count > 0)
            {
                await WriteAsync(batch);
                batch.Clear();
            }
        }
    }

    /// <summary>Waits until something is queued; false once both queues are completed and empty and nothing is counted.</summary>
    private async Task<bool> AnythingToWriteAsync()
    {
        while (true)
        {
            // Wake-ups already counted are spent first, then the queues looked at: an entry queued after
            // this look releases again, so the wait below cannot miss it (and the count never grows).
            while (queued.Wait(0))
            {
            }

            if (reads.Reader.TryPeek(out _) || refusals.Reader.TryPeek(out _) || Interlocked.Read(ref unqueuedRefusals) > 0)
            {
                return true;
            }

            if (reads.Reader.Completion.IsCompleted && refusals.Reader.Completion.IsCompleted)
            {
                return false;
            }

            await queued.WaitAsync();
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
