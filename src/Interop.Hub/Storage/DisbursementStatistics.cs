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
            """,
            owner);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>After a batch's lines were committed.</summary>
    public static Task RefreshLinesAsync(IDocumentStore store, CancellationToken cancellationToken) => CallAsync(store, LinesFunction, cancellationToken);

    /// <summary>After a stream appended at least <see cref="EventsWorthAnalyzing"/> line events.</summary>
    public static Task RefreshEventsAsync(IDocumentStore store, CancellationToken cancellationToken) => CallAsync(store, EventsFunction, cancellationToken);

    private static async Task CallAsync(IDocumentStore store, string function, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"select {store.Options.DatabaseSchemaName}.{function}()", connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
