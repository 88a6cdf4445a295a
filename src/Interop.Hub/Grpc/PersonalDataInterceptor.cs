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
/// returns are written to the access log before the answer leaves (for a stream, at least every
/// <see cref="RecordsPerEntry"/> households, before the message that fills the entry is sent).
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

        try
        {
            await continuation(request, new ShownStream<TResponse>(responseStream, read, context.CancellationToken), context);
        }
        finally
        {
            await read.RecordRestAsync();
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (Open(context, request: null) is not { } read)
        {
            await continuation(requestStream, responseStream, context);
            return;
        }

        try
        {
            await continuation(requestStream, new ShownStream<TResponse>(responseStream, read, context.CancellationToken), context);
        }
        finally
        {
            await read.RecordRestAsync();
        }
    }

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

    /// <summary>A response stream whose messages are shown through the call's view and logged as they go.</summary>
    private sealed class ShownStream<T>(IServerStreamWriter<T> inner, PersonalDataRead read, CancellationToken callEnded) : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message) => WriteAsync(message, callEnded);

        public async Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            read.Show((IMessage)message!);
            if (read.Pending >= RecordsPerEntry)
            {
                await read.RecordAsync(cancellationToken);
            }

            await inner.WriteAsync(message, cancellationToken);
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
        pending.Clear();
        recorded = true;
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
    }

    /// <summary>At the end of a stream, however it ended: what was shown and not yet logged.</summary>
    public Task RecordRestAsync() => RecordAsync(CancellationToken.None);
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
