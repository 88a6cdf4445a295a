using System.Threading.Channels;

namespace Interop.Hub.Streaming;

/// <summary>How a stream is cut into batches and how much of it is held at once.</summary>
/// <param name="BatchSize">Items stored per transaction: large enough to amortise a round trip, small enough to answer promptly.</param>
/// <param name="CommitsInFlight">Batches of one stream stored at the same time (PostgreSQL then works on more than one core).</param>
/// <param name="HeldBytes">Bytes of items read but not yet answered (<see cref="StreamBudget"/>).</param>
internal sealed record BatchLimits(int BatchSize, int CommitsInFlight, long HeldBytes = StreamBudget.PerStreamBytes);

/// <summary>An item of a stream with what it holds in memory until it is answered.</summary>
internal readonly record struct Held<T>(T Item, long Bytes);

/// <summary>
/// Stores a partner's stream (households, civil records, confirmations) a batch at a time and
/// answers every item in the order it was sent. Reading runs ahead into a buffer bounded by count
/// and by bytes, and a batch is whatever has arrived, up to the batch size, without waiting for
/// more (a sender waiting for answers is never kept waiting); a batch's bytes are given back once
/// it is answered, so HTTP/2 flow control slows a sender that outpaces storage or does not read its
/// answers. Everything read before a failure (an oversized message, a dropped connection) is still
/// stored and answered; then the failure ends the call with its own status.
/// </summary>
internal static class BatchedStream
{
    public static async Task ProcessAsync<TItem, TOutcome>(
        IAsyncEnumerable<Held<TItem>> items,
        BatchLimits limits,
        Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TOutcome>>> store,
        Func<IReadOnlyList<TItem>, IReadOnlyList<TOutcome>, Task> answer,
        CancellationToken cancellationToken)
    {
        var buffer = Channel.CreateBounded<Held<TItem>>(new BoundedChannelOptions(limits.BatchSize * 2) { SingleReader = true, SingleWriter = true });
        var budget = new StreamBudget(limits.HeldBytes);
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = FillAsync(items, buffer.Writer, budget, stopReading.Token);
        // Concurrent batches that share a key collide on a unique index; the loser retries and then
        // sees the winner's rows (each store call owns that), so answers stay in the order sent.
        var inFlight = new Queue<(List<Held<TItem>> Batch, Task<IReadOnlyList<TOutcome>> Storing)>();

        async Task AnswerOldestAsync()
        {
            var (batch, storing) = inFlight.Dequeue();
            await answer(batch.ConvertAll(held => held.Item), await storing);
            budget.Release(batch.Sum(held => held.Bytes));
        }

        try
        {
            while (true)
            {
                if (!buffer.Reader.TryPeek(out _))
                {
                    // Nothing more to read right now: answer everything in flight before waiting,
                    // since the sender may be waiting for these answers before it sends more.
                    while (inFlight.Count > 0)
                    {
                        await AnswerOldestAsync();
                    }

                    // Completes with the failure that stopped reading, after everything read before it.
                    if (!await buffer.Reader.WaitToReadAsync(CancellationToken.None))
                    {
                        break;
                    }
                }

                var next = new List<Held<TItem>>(limits.BatchSize);
                while (next.Count < limits.BatchSize && buffer.Reader.TryRead(out var held))
                {
                    next.Add(held);
                }

                inFlight.Enqueue((next, store(next.ConvertAll(held => held.Item))));
                if (inFlight.Count >= limits.CommitsInFlight)
                {
                    await AnswerOldestAsync();
                }
            }
        }
        finally
        {
            // When storing or answering fails, the reader must not wait forever on a full buffer,
            // and batches still being stored finish (their items are stored; a resend replays them).
            await stopReading.CancelAsync();
            await reading;
            foreach (var (_, storing) in inFlight)
            {
                await storing.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private static async Task FillAsync<TItem>(IAsyncEnumerable<Held<TItem>> items, ChannelWriter<Held<TItem>> buffer, StreamBudget budget, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            await foreach (var held in items.WithCancellation(cancellationToken))
            {
                await budget.TakeAsync(held.Bytes, cancellationToken);
                await buffer.WriteAsync(held, cancellationToken);
            }
        }
        catch (Exception exception)
        {
            failure = exception;
        }
        finally
        {
            buffer.TryComplete(failure);
        }
    }
}
