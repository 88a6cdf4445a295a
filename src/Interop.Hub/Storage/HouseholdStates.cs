using Marten;
using Npgsql;
using NpgsqlTypes;
using Weasel.Postgresql.Tables;

namespace Interop.Hub.Storage;

/// <summary>A household's state kept at a version: the version, the moment of its event, the state as JSON, and the hub's seal over them.</summary>
internal sealed record KeptState(long Version, DateTimeOffset At, string Json, byte[] Seal);

/// <summary>
/// Households' states kept at fixed versions beside their events, so that a read of a past
/// version or moment folds the few events after the nearest one instead of the whole stream
/// (<see cref="Registry.Reads.PastHouseholds"/>). Derived from the events and sealed by the hub; the
/// events stay the record. The state is kept as text: its seal is over the bytes as written.
/// </summary>
internal static class HouseholdStates
{
    public const string TableName = "household_state";

    public static Table Definition(string schema)
    {
        var table = new Table($"{schema}.{TableName}");
        table.AddColumn<Guid>("household_id").AsPrimaryKey();
        table.AddColumn<long>("version").AsPrimaryKey();
        table.AddColumn("at", "timestamptz").NotNull();
        table.AddColumn<string>("state").NotNull();
        table.AddColumn("seal", "bytea").NotNull();
        return table;
    }

    /// <summary>The kept state nearest before the point: the highest version at or below <paramref name="version"/> whose event was at or before <paramref name="moment"/> (either may be unset).</summary>
    public static async Task<KeptState?> NearestAsync(IDocumentStore store, Guid householdId, long? version, DateTimeOffset? moment, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"select version, at, state, seal from {MartenTables.Own(store, TableName)} where household_id = @id"
            + (version is null ? string.Empty : " and version <= @version")
            + (moment is null ? string.Empty : " and at <= @moment")
            + " order by version desc limit 1",
            connection);
        command.Parameters.AddWithValue("id", householdId);
        if (version is { } upTo)
        {
            command.Parameters.AddWithValue("version", upTo);
        }

        if (moment is { } then)
        {
            command.Parameters.AddWithValue("moment", NpgsqlDbType.TimestampTz, then.UtcDateTime);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new KeptState(reader.GetInt64(0), new DateTimeOffset(reader.GetFieldValue<DateTime>(1), TimeSpan.Zero), reader.GetString(2), reader.GetFieldValue<byte[]>(3))
            : null;
    }

    /// <summary>Keeps the states (one kept before at the same version, which did not verify, is replaced).</summary>
    public static async Task KeepAsync(IDocumentStore store, Guid householdId, IReadOnlyList<KeptState> states, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"insert into {MartenTables.Own(store, TableName)} (household_id, version, at, state, seal) "
            + "select @id, k.version, k.at, k.state, k.seal from unnest(@versions::bigint[], @ats::timestamptz[], @states::text[], @seals::bytea[]) as k(version, at, state, seal) "
            + "on conflict (household_id, version) do update set at = excluded.at, state = excluded.state, seal = excluded.seal",
            connection);
        command.Parameters.AddWithValue("id", householdId);
        command.Parameters.AddWithValue("versions", states.Select(state => state.Version).ToArray());
        command.Parameters.AddWithValue("ats", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, states.Select(state => state.At.UtcDateTime).ToArray());
        command.Parameters.AddWithValue("states", states.Select(state => state.Json).ToArray());
        command.Parameters.AddWithValue("seals", states.Select(state => state.Seal).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
