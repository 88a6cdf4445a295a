using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;
using Npgsql;

namespace Interop.IntegrationTests;

/// <summary>
/// The hub serves as a PostgreSQL role that owns nothing: it reads and writes rows, only appends
/// events and access log entries, and can neither change the schema nor drop a table. Schema
/// changes are the owner's, at start-up or by <c>Interop.Hub migrate</c>. (Every story on a
/// <see cref="HubStory"/> runs its hub as that role, so what serving needs is proven by them all.)
/// </summary>
[Collection(HubCollection.Name)]
public sealed class LeastPrivilegeTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "privilege")
{
    [Theory]
    [InlineData("drop table interop.mt_events")]
    [InlineData("drop table interop.access_log")]
    [InlineData("alter table interop.mt_doc_household add column intruder text")]
    [InlineData("create table interop.intruder (id int)")]
    [InlineData("create table public.intruder (id int)")]
    [InlineData("truncate interop.mt_streams")]
    [InlineData("update interop.mt_events set data = '{}'::jsonb")]
    [InlineData("delete from interop.mt_events")]
    [InlineData("delete from interop.mt_streams")]
    [InlineData("select setval('interop.mt_events_sequence', 1)")]
    [InlineData("select setval('interop.access_log_id_seq', 1)")]
    [InlineData("update interop.access_log set outcome = 'OK'")]
    [InlineData("delete from interop.access_log")]
    [InlineData("create role intruder superuser")]
    public async Task The_serving_role_cannot_change_the_schema_nor_rewrite_events_or_the_access_log(string statement)
    {
        await HouseholdSteps.ActiveAsync(Hub, Pki, 1301);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsServingRoleAsync(statement));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.True(await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.mt_events") > 0);
    }

    [Fact]
    public async Task The_serving_role_reads_and_writes_what_serving_needs_and_owns_nothing()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 1302);
        await Hub.Registry(Pki.Auditor).GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = household.HouseholdId });

        await using var connection = new NpgsqlConnection(Postgres.ServingConnectionString(ConnectionString));
        await connection.OpenAsync();
        await using var owned = new NpgsqlCommand(
            "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'interop' and pg_get_userbyid(c.relowner) = current_user", connection);
        await using var role = new NpgsqlCommand("select rolsuper or rolcreatedb or rolcreaterole from pg_roles where rolname = current_user", connection);
        await using var events = new NpgsqlCommand("select count(*) from interop.mt_events", connection);
        await using var log = new NpgsqlCommand("select count(*) from interop.access_log", connection);

        Assert.Equal(0L, await owned.ExecuteScalarAsync());
        Assert.Equal(false, await role.ExecuteScalarAsync());
        Assert.True((long)(await events.ExecuteScalarAsync())! > 0);
        Assert.True((long)(await log.ExecuteScalarAsync())! > 0);
    }

    [Fact]
    public async Task Migrate_applies_the_schema_as_its_owner_and_a_hub_that_does_not_migrate_serves_on_it()
    {
        var owner = await Postgres.CreateDatabaseAsync("migrated");
        var serving = Postgres.ServingConnectionString(owner);

        var unmigrated = await RunHubAsync("migrate", $"--ConnectionStrings:Registry={serving}");
        var migrated = await RunHubAsync("migrate", $"--ConnectionStrings:RegistryOwner={owner}", $"--ConnectionStrings:Registry={serving}");
        var again = await RunHubAsync("migrate", $"--ConnectionStrings:RegistryOwner={owner}", $"--ConnectionStrings:Registry={serving}");

        // The serving role alone may not create the schema: refused plainly, no stack trace.
        Assert.Equal(2, unmigrated.ExitCode);
        Assert.Contains("cannot migrate", unmigrated.Error, StringComparison.Ordinal);
        Assert.Contains("42501", unmigrated.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", unmigrated.Error, StringComparison.Ordinal);
        Assert.Equal((0, 0), (migrated.ExitCode, again.ExitCode));

        await using var hub = await RunningHub.StartAsync(Pki.CaPath, Pki.ServerCertificatePath, Pki.ServerKeyPath, Pki.Ca, new()
        {
            ["ConnectionStrings:Registry"] = serving,
            ["Hub:MigrateAtStart"] = "false",
        });
        var household = await HouseholdSteps.ActiveAsync(hub, Pki, 1303);
        Assert.Equal(HouseholdStatus.Active, household.Status);
    }

    private async Task ExecuteAsServingRoleAsync(string statement)
    {
        await using var connection = new NpgsqlConnection(Postgres.ServingConnectionString(ConnectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(statement, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<(int ExitCode, string Error)> RunHubAsync(params string[] arguments)
    {
        var (exitCode, _, error) = await ProcessRun.RunAsync("dotnet", [Repository.HubAssembly, .. arguments]);
        return (exitCode, error);
    }
}
