using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;

namespace Interop.Hub.Partners.Tokens;

/// <summary>
/// The token server answers inside authentication, before the access gate and fair use see a
/// request: this guard stands in front of it. A request to the token endpoint or the discovery
/// documents may carry at most 16 KiB, and each client certificate may make a few such requests a
/// second (a partner asks for a token every few minutes); beyond that, HTTP 429 with Retry-After,
/// as an OAuth2 client expects.
/// </summary>
internal sealed class TokenEndpointGuard(int requestsPerSecond)
{
    private const long MaxBodyBytes = 16 * 1024;

    private readonly PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(certificate => RateLimitPartition.GetTokenBucketLimiter(
        certificate,
        _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = requestsPerSecond * 2,
            TokensPerPeriod = requestsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var path = http.Request.Path.Value ?? string.Empty;
        if (!path.StartsWith("/" + TokenServer.TokenPath, StringComparison.OrdinalIgnoreCase) && !path.StartsWith("/.well-known/", StringComparison.OrdinalIgnoreCase))
        {
            await next(http);
            return;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } body)
        {
            body.MaxRequestBodySize = MaxBodyBytes;
        }

        var certificate = http.Connection.ClientCertificate is { } presented ? PartnerCertificates.Thumbprint(presented) : "none";
        using var lease = limiter.AttemptAcquire(certificate);
        if (!lease.IsAcquired)
        {
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = "1";
            await http.Response.WriteAsJsonAsync(new Dictionary<string, string>
            {
                ["error"] = "slow_down",
                ["error_description"] = "Too many token requests with this certificate; a token is valid for minutes: reuse it.",
            });
            return;
        }

        await next(http);
    }
}
