using Marten;
using Npgsql;

namespace Interop.Hub.Storage;

/// <summary>
/// Fresh planner statistics for the disbursement tables after a bulk write. A batch adds up to a
/// million lines in one commit and a bank's stream as many line events; until autovacuum analyzes
/// them (a minute or more later), PostgreSQL plans with the old counts: a confirmation lookup that
/// believed a new batch held 289 lines hashed all 100,000 of them for every thousand confirmations
/// (100 ms a lookup, growing with the batch), in the disbursement benchmark. ANALYZE needs the
/// tables' owner, which the serving role is not: the owner's functions here run it, and nothing else
/// (security definer, with a fixed search path), for the serving role to call.
/// </summary>
internal static class DisbursementStatistics
{
    /// <summary>Events a stream appends before its end refreshes their statistics.</summary>
    public const int EventsWorthAnalyzing = 10_000;

    private const string LinesFunction = "analyze_disbursement_lines";
    private const string EventsFunction = "analyze_payment_events";

    /// <summary>Creates (or replaces) the functions, as the schema's owner, during the migration.</summary>
    public static async Task EnsureFunctionsAsync(NpgsqlConnection owner, string schema, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            create or replace function {schema}.{LinesFunction}() returns void language sql security definer set search_path = pg_catalog, pg_temp
              as $$ analyze {schema}.{DisbursementLines.LineTable}; analyze {schema}.{DisbursementLines.LeftOutTable}; $$;
            create or replace function {schema}.{EventsFunction}() returns void language sql security definer set search_path = pg_catalog, pg_temp
              as $$ analyze {schema}.{PaymentEvents.TableName}; $$;
            -- New functions are executable by everyone; these only by their owner and the serving role (granted by the migration).
            revoke all on function {schema}.{LinesFunction}() from public;
            revoke all on function {schema}.{EventsFunction}() from public;
            """,
            owner);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>After a batch's lines were committed.</summary>
    public static Task RefreshLinesAsync(IDocumentStore store, ILogger logger, CancellationToken cancellationToken) => CallAsync(store, LinesFunction, logger, cancellationToken);

    /// <summary>After a stream stored at least <see cref="EventsWorthAnalyzing"/> confirmations (only stored ones count: a bank cannot trigger it with junk).</summary>
    public static Task RefreshEventsAsync(IDocumentStore store, ILogger logger, CancellationToken cancellationToken) => CallAsync(store, EventsFunction, logger, cancellationToken);

    /// <summary>
    /// Best effort: what was written is committed and answered whatever happens here, so a refresh that
    /// fails (a database migrated before the functions existed, a cancelled call) is logged, never
    /// turned into the caller's failure. Autovacuum analyzes the tables later anyway.
    /// </summary>
    private static async Task CallAsync(IDocumentStore store, string function, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"select {store.Options.DatabaseSchemaName}.{function}()", connection) { CommandTimeout = 300 };
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception exception)
        {
            // Whatever it is (a refused function, a cancelled call, a hub shutting down), the writes it followed stand.
            logger.LogWarning(
                "The disbursement tables' statistics were not refreshed ({Function}: {Reason} {SqlState}); queries plan with older counts until autovacuum analyzes them",
                function,
                exception.GetType().Name,
                (exception as PostgresException)?.SqlState ?? string.Empty);
        }
    }
}
