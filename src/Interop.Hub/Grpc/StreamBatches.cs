using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Grpc.Core;

namespace Interop.Hub.Grpc;

/// <summary>
/// Reads a client stream a batch at a time: whatever has arrived, up to a maximum, without waiting
/// for more once something is there (a sender waiting for answers is never kept waiting). Reading
/// runs ahead into a bounded buffer, so HTTP/2 flow control slows a sender that outpaces storage.
/// </summary>
internal static class StreamBatches
{
    public static async IAsyncEnumerable<List<T>> ReadAsync<T>(IAsyncStreamReader<T> requests, int maxBatch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = Channel.CreateBounded<T>(new BoundedChannelOptions(maxBatch * 2) { SingleReader = true, SingleWriter = true });
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = FillAsync(requests, buffer.Writer, stopReading.Token);
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
            }
        }
        finally
        {
            await stopReading.CancelAsync();
            await reading;
        }
    }

    private static async Task FillAsync<T>(IAsyncStreamReader<T> requests, ChannelWriter<T> buffer, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            while (await requests.MoveNext(cancellationToken))
            {
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
