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

    /// <summary>Writes a batch's answers together: each write only appends to the response, the last flushes it.</summary>
    public Task WriteAsync<T>(IServerStreamWriter<T> responses, IReadOnlyList<T> answers, CancellationToken callCancelled) =>
        WithinLimitAsync(
            async token =>
            {
                for (var index = 0; index < answers.Count; index++)
                {
                    responses.WriteOptions = index < answers.Count - 1 ? Buffered : Flushed;
                    await responses.WriteAsync(answers[index], token);
                }
            },
            callCancelled);

    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    private static readonly WriteOptions Flushed = new();

    private async Task WithinLimitAsync(Func<CancellationToken, Task> answer, CancellationToken callCancelled)
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
