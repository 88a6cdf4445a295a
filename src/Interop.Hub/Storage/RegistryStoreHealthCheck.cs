using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Interop.Hub.Storage;

/// <summary>The hub serves only while its event store answers.</summary>
internal sealed class RegistryStoreHealthCheck(IDocumentStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var session = store.QuerySession();
            await session.Events.QueryAllRawEvents().Take(1).ToListAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The event store does not answer.");
        }
    }
}
