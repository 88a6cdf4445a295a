using Grpc.Core;

namespace Interop.Hub.Grpc;

/// <summary>
/// A unary call's context with the hub's own deadline: the call's cancellation fires when the
/// partner cancels, when the partner's deadline passes, or after the hub's limit, whichever comes
/// first, so that a request stuck behind a lock or a slow query frees its thread and its database
/// connection (docs/operations.md, "Fair use").
/// </summary>
internal sealed class BoundedCallContext : ServerCallContext, IDisposable
{
    private readonly ServerCallContext inner;
    private readonly CancellationTokenSource bounded;
    private readonly DateTime deadline;

    public BoundedCallContext(ServerCallContext inner, TimeSpan limit)
    {
        this.inner = inner;
        // grpc-dotnet's GetHttpContext() finds the HttpContext of a context it did not make under this key.
        inner.UserState["__HttpContext"] = inner.GetHttpContext();
        bounded = CancellationTokenSource.CreateLinkedTokenSource(inner.CancellationToken);
        bounded.CancelAfter(limit);
        var ours = DateTime.UtcNow + limit;
        deadline = inner.Deadline < ours ? inner.Deadline : ours;
        Limit = limit;
    }

    public TimeSpan Limit { get; }

    /// <summary>The hub's limit, not the partner, ended the call.</summary>
    public bool TimedOut => bounded.IsCancellationRequested && !inner.CancellationToken.IsCancellationRequested;

    protected override string MethodCore => inner.Method;

    protected override string HostCore => inner.Host;

    protected override string PeerCore => inner.Peer;

    protected override DateTime DeadlineCore => deadline;

    protected override Metadata RequestHeadersCore => inner.RequestHeaders;

    protected override CancellationToken CancellationTokenCore => bounded.Token;

    protected override Metadata ResponseTrailersCore => inner.ResponseTrailers;

    protected override Status StatusCore
    {
        get => inner.Status;
        set => inner.Status = value;
    }

    protected override WriteOptions? WriteOptionsCore
    {
        get => inner.WriteOptions;
        set => inner.WriteOptions = value;
    }

    protected override AuthContext AuthContextCore => inner.AuthContext;

    protected override IDictionary<object, object> UserStateCore => inner.UserState;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => inner.CreatePropagationToken(options);

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => inner.WriteResponseHeadersAsync(responseHeaders);

    public void Dispose() => bounded.Dispose();
}
