namespace Interop.IntegrationTests.Infrastructure;

/// <summary>
/// What every story told against one hub shares: a database of its own on the shared PostgreSQL
/// cluster, a real hub started on it over mutual TLS, and the test PKI's partners. A class that
/// needs more (data submitted first, a folder) overrides <see cref="InitializeAsync"/> or
/// <see cref="DisposeAsync"/> and calls the base.
/// </summary>
public abstract class HubStory(PostgresCluster postgres, TestPki pki, string database) : IAsyncLifetime
{
    protected PostgresCluster Postgres => postgres;

    protected TestPki Pki => pki;

    protected string ConnectionString { get; private set; } = string.Empty;

    protected RunningHub Hub { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await postgres.CreateDatabaseAsync(database);
        Hub = await RunningHub.StartAsync(pki, ConnectionString);
    }

    public virtual async Task DisposeAsync() => await Hub.DisposeAsync();
}
