using Grpc.Core;

namespace Interop.Hub.Grpc;

/// <summary>
/// A partner that stops reading the answers of an ingest stream holds one of the hub's stream
/// places (<see cref="IngestStreams"/>) and its buffers. Answers wait at most this long to be
/// taken; then the stream is ended with RESOURCE_EXHAUSTED, so that stalled partners cannot keep
/// everyone else's submissions out.
/// </summary>
internal sealed class StalledAnswers(TimeSpan limit)
{
    public const int DefaultSeconds = 120;

    public async Task WithinLimitAsync(Func<CancellationToken, Task> answer, CancellationToken callCancelled)
    {
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(callCancelled);
        stalled.CancelAfter(limit);
        try
        {
            await answer(stalled.Token);
        }
        catch (OperationCanceledException) when (!callCancelled.IsCancellationRequested)
        {
            throw new RpcException(new Status(
                StatusCode.ResourceExhausted,
                $"The partner did not read its answers for {limit.TotalSeconds:N0} s, so the stream was ended to free its place. "
                + "Everything answered before is stored; send the rest again (a resend is answered from its reference, never stored twice)."));
        }
    }
}
