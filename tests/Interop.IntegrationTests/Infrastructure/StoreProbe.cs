using Npgsql;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>Looks straight into the hub's database, to prove what was and was not written.</summary>
public static class StoreProbe
{
    /// <summary>
    /// Household events in the store. Marten fills the sequence numbers of a rolled-back commit with
    /// "tombstone" events on a stream of its own; those are not household events and not counted, nor
    /// are the partner directory's own events (the seed's registrations).
    /// </summary>
    public static Task<long> HouseholdEventCountAsync(string connectionString) =>
        CountAsync(connectionString, "select count(*) from interop.mt_events where type <> 'tombstone' and type not like 'partner%'");

    public static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
