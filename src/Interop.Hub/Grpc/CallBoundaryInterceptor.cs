using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Interop.Hub.Registry;
using Npgsql;

namespace Interop.Hub.Grpc;

/// <summary>
/// Every call passes here once: it is logged with its method, partner, status and duration (never
/// its content, which holds personal data), and an unexpected exception becomes a clear status
/// with a correlation id instead of leaking internals to the partner.
/// </summary>
internal sealed class CallBoundaryInterceptor(ILogger<CallBoundaryInterceptor> logger, Microsoft.Extensions.Options.IOptions<HubOptions> options) : Interceptor
{
    /// <summary>
    /// A unary call runs at most the hub's limit (<see cref="HubOptions.UnaryCallSeconds"/>, or
    /// <see cref="HubOptions.BulkCallSeconds"/> for a <see cref="BulkCallAttribute"/> method), or the
    /// partner's own deadline if shorter.
    /// </summary>
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var bulk = context.GetHttpContext().GetEndpoint()?.Metadata.GetMetadata<BulkCallAttribute>() is not null;
        using var bounded = new BoundedCallContext(context, TimeSpan.FromSeconds(bulk ? options.Value.BulkCallSeconds : options.Value.UnaryCallSeconds));
        return await GuardAsync(bounded, () => continuation(request, bounded));
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, async () =>
        {
            await continuation(requestStream, responseStream, context);
            return true;
        });

    private async Task<T> GuardAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        var partner = context.GetHttpContext().User.Identity?.Name ?? "anonymous";
        var status = StatusCode.OK;
        try
        {
            return await call();
        }
        catch (RpcException exception)
        {
            status = exception.StatusCode;
            throw;
        }
        catch (Exception exception) when (context is BoundedCallContext { TimedOut: true } bounded && IsCancellation(exception))
        {
            status = StatusCode.DeadlineExceeded;
            throw new RpcException(new Status(
                StatusCode.DeadlineExceeded,
                $"The call took longer than {bounded.Limit.TotalSeconds:N0} s, the hub's limit for one request, and was stopped; what it changed was stored only if it finished: retry under the same idempotency key."));
        }
        catch (Exception exception) when (context.CancellationToken.IsCancellationRequested && (exception is OperationCanceledException or IOException))
        {
            // The partner went away (a cancelled call, a reset stream, a dropped connection): not a fault of the hub.
            status = StatusCode.Cancelled;
            throw new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled."));
        }
        catch (ConcurrentChangeException exception)
        {
            status = StatusCode.Aborted;
            throw new RpcException(new Status(StatusCode.Aborted, exception.Message + " Nothing of the failed part was stored; retry it."));
        }
        catch (Exception exception) when (IsStoreUnavailable(exception))
        {
            status = StatusCode.Unavailable;
            var correlation = Activity.Current?.TraceId.ToString() ?? context.GetHttpContext().TraceIdentifier;
            logger.LogError("Storage unavailable during {Method} (correlation {Correlation}): {ExceptionType}", context.Method, correlation, exception.GetType().Name);
            throw new RpcException(new Status(StatusCode.Unavailable, $"The registry store is unavailable; retry later (correlation {correlation})."));
        }
        catch (Exception exception)
        {
            status = StatusCode.Internal;
            var correlation = Activity.Current?.TraceId.ToString() ?? context.GetHttpContext().TraceIdentifier;
            // The exception type and stack locate the bug; the message may quote data, so it is not logged.
            logger.LogError("Unexpected {ExceptionType} in {Method} (correlation {Correlation}) at {StackTrace}", TypeNames(exception), context.Method, correlation, exception.StackTrace);
            throw new RpcException(new Status(StatusCode.Internal, $"Internal error (correlation {correlation})."));
        }
        finally
        {
            logger.LogInformation(
                "{Method} by {Partner} ended {Status} in {ElapsedMs:F1} ms",
                context.Method,
                partner,
                status,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static string TypeNames(Exception exception) => exception switch
    {
        AggregateException aggregate => $"{exception.GetType().FullName} of [{string.Join(", ", aggregate.InnerExceptions.Select(TypeNames))}]",
        { InnerException: { } inner } => $"{exception.GetType().FullName} from {TypeNames(inner)}",
        _ => exception.GetType().FullName ?? exception.GetType().Name,
    };

    /// <summary>The exception is a cancellation, or caused by one (a query the cancellation stopped).</summary>
    private static bool IsCancellation(Exception exception) =>
        exception is OperationCanceledException or PostgresException { SqlState: PostgresErrorCodes.QueryCanceled }
        || (exception.InnerException is { } inner && IsCancellation(inner))
        || (exception is AggregateException aggregate && aggregate.InnerExceptions.Any(IsCancellation));

    private static bool IsStoreUnavailable(Exception exception) =>
        exception is NpgsqlException { IsTransient: true } or Audit.AccessLog.AccessLogUnavailableException || exception.InnerException is NpgsqlException { IsTransient: true };
}
