using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Grpc.Core;

namespace Interop.Hub.Grpc;

/// <summary>
/// Reads a client stream a batch at a time: whatever has arrived, up to a maximum, without waiting
/// for more once something is there (a sender waiting for answers is never kept waiting). Reading
/// runs ahead into a buffer bounded by count and by bytes (<see cref="StreamBudget"/>): a batch's
/// bytes are given back once the caller has answered it and asks for the next, so HTTP/2 flow
/// control slows a sender that outpaces storage or does not read its answers.
/// </summary>
internal static class StreamBatches
{
    public static async IAsyncEnumerable<List<T>> ReadAsync<T>(IAsyncStreamReader<T> requests, int maxBatch, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : Google.Protobuf.IMessage
    {
        var buffer = Channel.CreateBounded<T>(new BoundedChannelOptions(maxBatch * 2) { SingleReader = true, SingleWriter = true });
        var budget = new StreamBudget(StreamBudget.PerStreamBytes);
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = FillAsync(requests, buffer.Writer, budget, stopReading.Token);
        try
        {
            // Completes with the failure that stopped reading, after everything read before it.
            while (await buffer.Reader.WaitToReadAsync(CancellationToken.None))
            {
                var batch = new List<T>(maxBatch);
                while (batch.Count < maxBatch && buffer.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                yield return batch;
                budget.Release(batch.Sum(item => StreamBudget.SizeOf(item)));
            }
        }
        finally
        {
            await stopReading.CancelAsync();
            await reading;
        }
    }

    private static async Task FillAsync<T>(IAsyncStreamReader<T> requests, ChannelWriter<T> buffer, StreamBudget budget, CancellationToken cancellationToken)
        where T : Google.Protobuf.IMessage
    {
        Exception? failure = null;
        try
        {
            while (await requests.MoveNext(cancellationToken))
            {
                await budget.TakeAsync(StreamBudget.SizeOf(requests.Current), cancellationToken);
                await buffer.WriteAsync(requests.Current, cancellationToken);
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
