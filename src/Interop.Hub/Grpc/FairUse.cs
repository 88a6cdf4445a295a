using System.Threading.RateLimiting;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Interop.Hub.Partners;
using Microsoft.AspNetCore.RateLimiting;

namespace Interop.Hub.Grpc;

/// <summary>
/// Fair use, per partner: a rate of calls (a token bucket) and a cap on calls open at once (streams
/// included), so that one partner's burst cannot take the hub's threads or the database connections
/// that others need (the cap is well below the connection pool). A call over either is answered
/// before it reaches any service with RESOURCE_EXHAUSTED, a <c>google.rpc.RetryInfo</c> saying
/// when to try again and a <c>google.rpc.QuotaFailure</c> naming the limit; never a bare HTTP 429.
/// ASP.NET Core's rate limiting does the counting (docs/operations.md, "Fair use").
/// </summary>
internal static class FairUse
{
    public const int DefaultCallsPerSecond = 200;

    public const int DefaultConcurrentCalls = 32;

    public static IServiceCollection AddFairUse(this IServiceCollection services, HubOptions options)
    {
        if (options.PartnerCallsPerSecond == 0 && options.PartnerConcurrentCalls == 0)
        {
            return services;
        }

        return services.AddRateLimiter(limiter =>
        {
            var limits = new List<PartitionedRateLimiter<HttpContext>>();
            if (options.PartnerCallsPerSecond > 0)
            {
                limits.Add(PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetTokenBucketLimiter(
                    PartnerOf(http),
                    _ => new TokenBucketRateLimiterOptions
                    {
                        // A burst of two seconds' worth, refilled every second.
                        TokenLimit = options.PartnerCallsPerSecond * 2,
                        TokensPerPeriod = options.PartnerCallsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })));
            }

            if (options.PartnerConcurrentCalls > 0)
            {
                limits.Add(PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetConcurrencyLimiter(
                    PartnerOf(http),
                    _ => new ConcurrencyLimiterOptions { PermitLimit = options.PartnerConcurrentCalls, QueueLimit = 0 })));
            }

            limiter.GlobalLimiter = limits.Count == 1 ? limits[0] : PartitionedRateLimiter.CreateChained([.. limits]);
            limiter.OnRejected = (context, _) => RefuseAsync(context, options);
        });
    }

    /// <summary>Refusals counted per partner between log lines.</summary>
    private static class Refusals
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Since, int Count)> Counts = new(StringComparer.Ordinal);

        /// <summary>The refusals to report now (this one included): the first at once, then those of each ten seconds together; null meanwhile.</summary>
        public static int? CountAndReport(string partnerId)
        {
            var now = Environment.TickCount64;
            if (Counts.TryAdd(partnerId, (now, 0)))
            {
                return 1;
            }

            var (since, count) = Counts.AddOrUpdate(partnerId, (now, 0), (_, entry) => (entry.Since, entry.Count + 1));
            if (now - since < 10_000)
            {
                return null;
            }

            Counts[partnerId] = (now, 0);
            return count;
        }
    }

    /// <summary>Calls are counted per partner; a caller without a partner identity is refused by authentication anyway.</summary>
    private static string PartnerOf(HttpContext http) => PartnerAccess.PartnerIdOf(http.User) ?? string.Empty;

    /// <summary>A gRPC trailers-only answer: RESOURCE_EXHAUSTED with when to retry, which the partner's gRPC library reads as a status.</summary>
    private static async ValueTask RefuseAsync(OnRejectedContext context, HubOptions options)
    {
        var http = context.HttpContext;
        var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        var message = $"Partner {PartnerOf(http)} is over its fair use ({options.PartnerCallsPerSecond} calls a second, {options.PartnerConcurrentCalls} at once): retry after {retry.TotalSeconds:0.#} s.";
        var quota = new QuotaFailure();
        quota.Violations.Add(new QuotaFailure.Types.Violation { Subject = $"partner:{PartnerOf(http)}", Description = "calls per second and calls at once per partner" });
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = message,
            Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retry) }), Any.Pack(quota) },
        };
        if (Refusals.CountAndReport(PartnerOf(http)) is { } refused)
        {
            // One line per partner per ten seconds, with the count: a flood must not flood the log too.
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FairUse))
                .LogWarning("Refused {Count} call(s) of partner {PartnerId} over its fair use in the last 10 s (latest: {Method})", refused, PartnerOf(http), http.Request.Path.Value);
        }
        await EarlyRefusal.WriteAsync(http, status);
    }
}
