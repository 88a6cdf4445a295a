using Interop.Hub.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>
/// One real PostgreSQL cluster for the test run, made by the same code as the hub's embedded
/// default, in a throwaway folder under /tmp (reachable by the postgres user when tests run as
/// root). Each test class takes a database of its own, so classes never see each other's data.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private EmbeddedPostgres? cluster;

    public string Folder { get; } = Path.Combine("/tmp", $"interop-test-pg-{Guid.NewGuid():N}");

    public static string BinDirectory => Environment.GetEnvironmentVariable("INTEROP_PG_BIN") ?? "/usr/lib/postgresql/15/bin";

    public async Task InitializeAsync()
    {
        cluster = await EmbeddedPostgres.StartAsync(BinDirectory, Folder, NullLogger.Instance);
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        var admin = new NpgsqlConnectionStringBuilder(cluster!.ConnectionString) { Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>The connection the hub serves with to a database made by <see cref="CreateDatabaseAsync"/>: the cluster's serving role, which owns nothing.</summary>
    public string ServingConnectionString(string ownerConnectionString) =>
        cluster!.ServingConnectionStringFor(new NpgsqlConnectionStringBuilder(ownerConnectionString).Database!);

    public async Task DisposeAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }

        Directory.Delete(Folder, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class HubCollection : ICollectionFixture<PostgresCluster>, ICollectionFixture<TestPki>
{
    public const string Name = "hub on a real PostgreSQL";
}
