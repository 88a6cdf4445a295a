namespace Interop.IntegrationTests.Infrastructure;

/// <summary>
/// What every story told against one hub shares: a database of its own on the shared PostgreSQL
/// cluster, a real hub started on it over mutual TLS, and the test PKI's partners. A class that
/// needs more (data submitted first, a folder) overrides <see cref="InitializeAsync"/> or
/// <see cref="DisposeAsync"/> and calls the base; one that needs other hub settings (low limits, a
/// revocation list, another CA bundle) overrides <see cref="Settings"/> or <see cref="PartnerCaPath"/>.
/// </summary>
public abstract class HubStory(PostgresCluster postgres, TestPki pki, string database) : IAsyncLifetime
{
    protected PostgresCluster Postgres => postgres;

    protected TestPki Pki => pki;

    protected string ConnectionString { get; private set; } = string.Empty;

    protected RunningHub Hub { get; private set; } = null!;

    /// <summary>Hub settings besides the defaults of <see cref="RunningHub"/>.</summary>
    protected virtual Dictionary<string, string?> Settings => [];

    /// <summary>The partner CA certificate(s) the hub trusts.</summary>
    protected virtual string PartnerCaPath => pki.CaPath;

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await postgres.CreateDatabaseAsync(database);
        var settings = Settings;
        // As in production: the schema's owner migrates, the hub serves as a role that owns nothing.
        settings["ConnectionStrings:RegistryOwner"] = ConnectionString;
        settings.TryAdd("ConnectionStrings:Registry", postgres.ServingConnectionString(ConnectionString));
        Hub = await RunningHub.StartAsync(PartnerCaPath, pki.ServerCertificatePath, pki.ServerKeyPath, pki.Ca, settings);
    }

    public virtual async Task DisposeAsync() => await Hub.DisposeAsync();
}
