using Interop.Hub.Registry;
using Interop.Hub.Storage;
using Interop.IntegrationTests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Interop.IntegrationTests;

/// <summary>
/// The bulk ingest (Storage/NewStreams.cs) writes Marten's stream, event and snapshot rows itself.
/// It is pinned to the schema Marten 9 creates: when an upgrade of Marten changes a column of those
/// tables, or the event sequence, this fails, and NewStreams must be checked against the new schema
/// before the pin is moved (docs/architecture.md, "The ingest path").
/// </summary>
[Collection(HubCollection.Name)]
public sealed class MartenSchemaTests(PostgresCluster postgres, TestPki pki)
{
    public const int PinnedMartenMajorVersion = 9;

    [Fact]
    public async Task The_tables_the_bulk_ingest_writes_have_the_columns_it_was_written_for()
    {
        var connectionString = await postgres.CreateDatabaseAsync("marten_schema");
        await using (await RunningHub.StartAsync(pki, connectionString))
        {
            // The hub creates the schema as it starts.
        }

        await using var services = new ServiceCollection().AddLogging().AddRegistryStore(connectionString, "interop").BuildServiceProvider();
        var store = services.GetRequiredService<IDocumentStore>();

        Assert.Equal(PinnedMartenMajorVersion, typeof(IDocumentStore).Assembly.GetName().Version!.Major);
        AssertColumns(
            "compacted_version bigint not null default, created timestamp with time zone not null default, id uuid not null, is_archived boolean default, "
            + "tenant_id character varying default, timestamp timestamp with time zone not null default, type character varying, version bigint",
            await ColumnsAsync(connectionString, MartenTables.Streams(store)));
        AssertColumns(
            "bdata bytea, data jsonb not null, id uuid not null, is_archived boolean default, mt_dotnet_type character varying, "
            + "seq_id bigint not null, stream_id uuid, tenant_id character varying default, timestamp timestamp with time zone not null default, "
            + "type character varying not null, version bigint not null",
            await ColumnsAsync(connectionString, MartenTables.Events(store)));
        AssertColumns(
            "data jsonb not null, id uuid not null, mt_dotnet_type character varying, mt_last_modified timestamp with time zone default, "
            + "mt_version bigint not null default, search_terms ARRAY",
            await ColumnsAsync(connectionString, MartenTables.Documents<Household>(store)));
        Assert.Equal(1, await StoreProbe.CountAsync(connectionString, $"select count(*) from pg_class where oid = to_regclass('{MartenTables.EventSequence(store)}') and relkind = 'S'"));
    }

    /// <summary>Shows the whole schema found, so that an upgrade's difference can be read off the failure.</summary>
    private static void AssertColumns(string pinned, string found) => Assert.True(pinned == found, $"Marten's schema changed. Pinned: {pinned}\nFound:  {found}");

    /// <summary>Every column of the table as "name type [not null] [default]", in name order.</summary>
    private static async Task<string> ColumnsAsync(string connectionString, string qualifiedTable)
    {
        var (schema, table) = (qualifiedTable.Split('.')[0], qualifiedTable.Split('.')[1]);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand(
            "select string_agg(column_name || ' ' || data_type || case when is_nullable = 'NO' then ' not null' else '' end "
            + "|| case when column_default is not null then ' default' else '' end, ', ' order by column_name) "
            + "from information_schema.columns where table_schema = @schema and table_name = @table",
            connection);
        query.Parameters.AddWithValue("schema", schema);
        query.Parameters.AddWithValue("table", table);
        return (string)(await query.ExecuteScalarAsync())!;
    }
}
