namespace Interop.Hub.Storage;

/// <summary>Stops the embedded cluster after the server has stopped taking calls.</summary>
internal sealed class EmbeddedPostgresLifetime(EmbeddedPostgres cluster) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await cluster.DisposeAsync();
}
