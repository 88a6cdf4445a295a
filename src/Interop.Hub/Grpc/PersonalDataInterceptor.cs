using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Interop.Hub.Audit.AccessLog;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Partners.Privacy;

namespace Interop.Hub.Grpc;

/// <summary>
/// Every call to a method that reads personal data (<see cref="ReadsPersonalDataAttribute"/>) passes
/// here before its service runs: it must name a purpose its partner may use (refused otherwise), its
/// answer is shown through that purpose's view (<see cref="ProtoView"/>), and the households it
/// returns are written to the access log before the answer leaves (a stream's messages are held
/// back until their households are logged: an entry per <see cref="RecordsPerEntry"/> households
/// or messages, or per <see cref="MaxHold"/>).
/// The households a request names are noted for the log of a refusal (<see cref="AccessRecording"/>).
/// </summary>
internal sealed class PersonalDataInterceptor(AccessLog log, TimeProvider clock) : Interceptor
{
    public const int RecordsPerEntry = 256;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var read = Open(context, request);
        var response = await continuation(request, context);
        if (read is not null)
        {
            read.Show((IMessage)response);
            await read.RecordAsync(context.CancellationToken);
        }

        return response;
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (Open(context, request) is not { } read)
        {
            await continuation(request, responseStream, context);
            return;
        }

        await ShownAsync(read, responseStream, context, shown => continuation(request, shown, context));
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (Open(context, request: null) is not { } read)
        {
            await continuation(requestStream, responseStream, context);
            return;
        }

        await ShownAsync(read, responseStream, context, shown => continuation(requestStream, shown, context));
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var read = Open(context, request: null);
        var response = await continuation(requestStream, context);
        if (read is not null)
        {
            read.Show((IMessage)response);
            await read.RecordAsync(context.CancellationToken);
        }

        return response;
    }

    /// <summary>
    /// Runs a streaming method with its answers held back until their households are logged: up to
    /// <see cref="RecordsPerEntry"/> messages, or <see cref="MaxHold"/>, or until the method asks for
    /// a flush (write options without BufferHint), then one entry and the messages. A method that
    /// fails sends none of what it still held back.
    /// </summary>
    private static async Task ShownAsync<TResponse>(PersonalDataRead read, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, Func<IServerStreamWriter<TResponse>, Task> run)
    {
        var shown = new ShownStream<TResponse>(responseStream, read, context.CancellationToken);
        try
        {
            await run(shown);
            await shown.CompleteAsync();
        }
        catch
        {
            await shown.AbandonAsync();
            throw;
        }
    }

    /// <summary>How long a streamed answer may be held back before its entry is written and it is sent (a live feed's latency).</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromMilliseconds(200);

    /// <summary>The read this call makes, with its purpose granted; null for a method that reads no personal data.</summary>
    private PersonalDataRead? Open(ServerCallContext context, object? request)
    {
        var http = context.GetHttpContext();
        if (request is IMessage message)
        {
            AccessRecording.NoteHouseholds(http, message);
        }

        if (http.GetEndpoint()?.Metadata.GetMetadata<ReadsPersonalDataAttribute>() is null)
        {
            return null;
        }

        var partner = context.Partner();
        if (Purposes.Decide(CallMetadata.PurposeOf(http), partner.Kind, partner.Scopes) is not PurposeDecision.Granted granted)
        {
            throw Refusals.PurposeRefused(Purposes.Decide(CallMetadata.PurposeOf(http), partner.Kind, partner.Scopes), context.Method).ToRpcException();
        }

        var read = new PersonalDataRead(log, clock, context.Method, partner, granted.Purpose, AccessRecording.ThumbprintOf(http));
        http.Items[typeof(PersonalDataRead)] = read;
        return read;
    }

    /// <summary>
    /// A response stream whose messages are shown through the call's view, held back, and sent only
    /// once the households they carry are in the access log. The method's writes and the hold timer's
    /// take turns; once the stream is closed (completed or abandoned) nothing more is sent.
    /// </summary>
    private sealed class ShownStream<T>(IServerStreamWriter<T> inner, PersonalDataRead read, CancellationToken callEnded) : IServerStreamWriter<T>
    {
        private readonly Queue<(T Message, WriteOptions? Options)> held = new();
        private readonly SemaphoreSlim turn = new(1, 1);
        private readonly CancellationTokenSource closing = CancellationTokenSource.CreateLinkedTokenSource(callEnded);
        private bool timerArmed;
        private bool closed;
        private Exception? failure;

        /// <summary>The options the method sets apply to the messages it writes next; each held message keeps its own.</summary>
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(T message) => WriteAsync(message, callEnded);

        public async Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            var options = WriteOptions;
            await turn.WaitAsync(cancellationToken);
            try
            {
                ThrowIfFailed();
                ObjectDisposedException.ThrowIf(closed, this);
                read.Show((IMessage)message!);
                held.Enqueue((message, options));
                // A method that asks for a flush (it waits for its partner to read: an ingest's answers
                // under their stall limit) has it now, with its own token; else at a full entry, or the timer.
                var flushAsked = options is not null && (options.Flags & WriteFlags.BufferHint) == 0;
                if (flushAsked || read.Pending >= RecordsPerEntry || held.Count >= RecordsPerEntry)
                {
                    await SendHeldAsync(cancellationToken);
                }
                else if (!timerArmed)
                {
                    timerArmed = true;
                    _ = SendAfterHoldAsync();
                }
            }
            finally
            {
                turn.Release();
            }
        }

        /// <summary>The method ended: the last messages go, after their entry (one for the call even if it found nothing).</summary>
        public async Task CompleteAsync()
        {
            await turn.WaitAsync(callEnded);
            try
            {
                ThrowIfFailed();
                await SendHeldAsync(callEnded);
                await read.RecordAsync(callEnded);
            }
            finally
            {
                Close();
                turn.Release();
            }
        }

        /// <summary>The method failed: what it still held back is not sent (and so needs no entry); a flush under way is stopped.</summary>
        public async Task AbandonAsync()
        {
            closing.Cancel();
            await turn.WaitAsync(CancellationToken.None);
            try
            {
                Close();
            }
            finally
            {
                turn.Release();
            }
        }

        private void Close()
        {
            closed = true;
            held.Clear();
            closing.Cancel();
        }

        private async Task SendAfterHoldAsync()
        {
            try
            {
                await Task.Delay(MaxHold, closing.Token);
                await turn.WaitAsync(closing.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                timerArmed = false;
                if (!closed && failure is null)
                {
                    await SendHeldAsync(closing.Token);
                }
            }
            catch (Exception exception)
            {
                // The method's next write, or its end, reports it (a cancelled call has ended anyway).
                failure ??= exception;
            }
            finally
            {
                turn.Release();
            }
        }

        /// <summary>Under the turn: the entry for what is held, then each message, dequeued once written (never sent twice).</summary>
        private async Task SendHeldAsync(CancellationToken cancellationToken)
        {
            if (held.Count == 0)
            {
                return;
            }

            await read.RecordAsync(cancellationToken);
            while (held.TryPeek(out var next))
            {
                inner.WriteOptions = next.Options;
                await inner.WriteAsync(next.Message, cancellationToken);
                held.Dequeue();
            }
        }

        private void ThrowIfFailed()
        {
            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
    }
}

/// <summary>A call reading personal data: its purpose and view, and the households shown but not yet logged.</summary>
internal sealed class PersonalDataRead(AccessLog log, TimeProvider clock, string method, CallingPartner partner, Purpose purpose, string? thumbprint)
{
    private readonly HashSet<string> pending = new(StringComparer.Ordinal);
    private bool recorded;
    private string? readMask;

    public DataView View => purpose.View;

    public int Pending => pending.Count;

    /// <summary>The read mask the caller narrowed its view with, for the log.</summary>
    public void NarrowedBy(IEnumerable<string> paths) => readMask = string.Join(',', paths);

    public void Show(IMessage message) => ProtoView.Apply(message, purpose.View, pending);

    /// <summary>Writes an entry for the households shown since the last one (and one for the call even when it found none).</summary>
    public async Task RecordAsync(CancellationToken cancellationToken)
    {
        if (recorded && pending.Count == 0)
        {
            return;
        }

        var households = pending.Select(id => Guid.TryParse(id, out var household) ? household : (Guid?)null).OfType<Guid>().ToList();
        await log.RecordAsync(
            new AccessEntry(
                AccessEntryKind.Read,
                clock.GetUtcNow(),
                method,
                partner.PartnerId,
                thumbprint,
                partner.OfficerId,
                purpose.Code,
                households,
                purpose.View.Describe(),
                "OK",
                readMask is null ? null : $"read_mask {readMask}"),
            cancellationToken);
        pending.Clear();
        recorded = true;
    }

}

internal static class PersonalDataReads
{
    /// <summary>The view of this call; only for a method that reads personal data (the interceptor set it).</summary>
    public static DataView View(this ServerCallContext context) => Read(context).View;

    /// <summary>The read of this call; only for a method that reads personal data.</summary>
    public static PersonalDataRead Read(this ServerCallContext context) =>
        context.GetHttpContext().Items[typeof(PersonalDataRead)] as PersonalDataRead
        ?? throw new InvalidOperationException($"{context.Method} is not declared [ReadsPersonalData], so it has no view.");
}
