using System.Text.RegularExpressions;
using Marten;
using Npgsql;

namespace Interop.Hub.Storage;

/// <summary>
/// Schema changes are the schema owner's, never the serving role's (docs/operations.md, "Database
/// roles"). Migrating creates or alters Marten's tables and the hub's own, runs the upgrades of
/// stores written by older hubs, then grants the serving role exactly what serving needs: reading
/// and writing rows, but only appending to the events and the access log (no update or delete
/// there, nor deleting a stream, which would cascade to its events), using sequences without
/// setting them, no DDL (it owns nothing), and nothing outside the hub's schema.
/// </summary>
internal static partial class RegistrySchema
{
    /// <summary>Applies the schema with the owner's connection; grants <paramref name="servingRole"/> its rights when it is another role.</summary>
    public static async Task MigrateAsync(string ownerConnectionString, string schema, string? servingRole, CancellationToken cancellationToken)
    {
        if (servingRole is not null && !RoleName().IsMatch(servingRole))
        {
            throw new HubConfigurationException($"The serving role's name must be a plain PostgreSQL identifier (lower-case letters, digits, '_'), not \"{servingRole}\".");
        }

        await using var store = DocumentStore.For(options => EventStore.Configure(options, ownerConnectionString, schema));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await NikRegistrationsFromDocuments.MigrateAsync(store, cancellationToken);
        await using (var owner = store.Storage.Database.CreateConnection())
        {
            await owner.OpenAsync(cancellationToken);
            await BankInstructions.EnsureWriterRowAsync(owner, schema, cancellationToken);
            await DisbursementStatistics.EnsureFunctionsAsync(owner, schema, cancellationToken);
        }

        if (servingRole is null)
        {
            return;
        }

        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        if (await IsOwnerAsync(connection, servingRole, cancellationToken))
        {
            return;
        }

        // Re-granted on every migration, so a table a later version adds is covered too.
        await using var grant = new NpgsqlCommand(
            $"""
            do $grant$
            begin
              revoke all on all tables in schema {schema} from {servingRole};
              grant usage on schema {schema} to {servingRole};
              grant select, insert, update, delete on all tables in schema {schema} to {servingRole};
              -- Events and the access log are only appended to; and a stream is never deleted, since
              -- its events would go with it (mt_events references mt_streams on delete cascade, run
              -- with the table owner's rights, whoever deletes).
              revoke update, delete, truncate on {schema}.mt_events, {schema}.{AccessLogTable.TableName} from {servingRole};
              -- A batch's lines are the snapshot of what was owed, and a line's events its history: never changed.
              -- The feed writers' lock row: locked by an update, never removed (a missing row would lock nothing).
              revoke insert, delete, truncate on {schema}.{BankInstructions.WriterTable} from {servingRole};
              revoke update, truncate on {schema}.{AccountRequestQueue.TableName} from {servingRole};
              revoke update, delete, truncate on {schema}.{DisbursementLines.LineTable}, {schema}.{DisbursementLines.LeftOutTable}, {schema}.{PaymentEvents.TableName}, {schema}.{PaymentEvents.UnknownTable}, {schema}.{BankInstructions.TableName} from {servingRole};
              revoke delete, truncate on {schema}.mt_streams from {servingRole};
              -- Kept states are replaced when their seal fails, never removed.
              revoke delete, truncate on {schema}.{HouseholdStates.TableName} from {servingRole};
              -- The audit log is only appended to.
              revoke update, delete, truncate on {schema}.{AuditLogStore.LeafTable}, {schema}.{AuditLogStore.NodeTable}, {schema}.{AuditLogStore.CheckpointTable}, {schema}.{AuditLogStore.CosignatureTable} from {servingRole};
              -- nextval needs usage; setval (which would make every later append collide) needs update, not granted.
              revoke all on all sequences in schema {schema} from {servingRole};
              grant usage, select on all sequences in schema {schema} to {servingRole};
              grant execute on all functions in schema {schema} to {servingRole};
            end
            $grant$
            """,
            connection);
        await grant.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The user a connection string signs in as: the serving role.</summary>
    public static string RoleOf(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Username ?? string.Empty;

    private static async Task<bool> IsOwnerAsync(NpgsqlConnection connection, string role, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select current_user = @role", connection);
        command.Parameters.AddWithValue("role", role);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex RoleName();
}
