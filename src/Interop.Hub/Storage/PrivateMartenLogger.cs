using Marten;
using Marten.Services;
using Npgsql;

namespace Interop.Hub.Storage;

/// <summary>
/// Marten's own failure logging writes every parameter of the failed command (NIKs, names, whole
/// events) at error level with a stack trace, and its commits often fail on purpose: a NIK or
/// family-card number another commit took first (the batch is stored again with lookups), a stream
/// another change moved (answered ABORTED). This logger never writes a parameter value or a database
/// message (PostgreSQL quotes offending values in them); an expected race is a debug line without a
/// stack, an unexpected failure an error with its SQLSTATE, table and constraint.
/// </summary>
internal sealed class PrivateMartenLogger(ILogger logger) : IMartenLogger, IMartenSessionLogger
{
    public IMartenSessionLogger StartSession(IQuerySession session) => this;

    public void SchemaChange(string sql) => logger.LogInformation("Executed schema update SQL:\n{SQL}", sql);

    public void LogSuccess(NpgsqlCommand command)
    {
    }

    public void LogSuccess(NpgsqlBatch batch)
    {
    }

    public void LogFailure(NpgsqlCommand command, Exception ex) => LogFailure(ex, 1);

    public void LogFailure(NpgsqlBatch batch, Exception ex) => LogFailure(ex, batch.BatchCommands.Count);

    public void LogFailure(Exception ex, string message) => LogFailure(ex, 0);

    public void RecordSavedChanges(IDocumentSession session, IChangeSet commit)
    {
    }

    public void OnBeforeExecute(NpgsqlCommand command)
    {
    }

    public void OnBeforeExecute(NpgsqlBatch batch)
    {
    }

    private void LogFailure(Exception exception, int statements)
    {
        var postgres = Cause<PostgresException>(exception);
        if (LostRace.Is(exception))
        {
            logger.LogDebug(
                "A commit of {Statements} statement(s) lost a race ({SqlState} on {Table}); the hub retries it or answers ABORTED",
                statements,
                postgres?.SqlState ?? exception.GetType().Name,
                postgres?.TableName ?? "a stream");
            return;
        }

        // The stack locates the failure; messages are left out because they may quote data.
        logger.LogError(
            "A command of {Statements} statement(s) failed: {ExceptionType} {SqlState} on {Table} ({Constraint}) at {StackTrace}",
            statements,
            exception.GetType().FullName,
            postgres?.SqlState,
            postgres?.TableName,
            postgres?.ConstraintName,
            exception.StackTrace);
    }

    /// <summary>The first exception of that type in the chain (inner and aggregated exceptions included).</summary>
    internal static T? Cause<T>(Exception exception)
        where T : Exception =>
        exception switch
        {
            T found => found,
            AggregateException aggregate => aggregate.InnerExceptions.Select(Cause<T>).FirstOrDefault(found => found is not null),
            { InnerException: { } inner } => Cause<T>(inner),
            _ => null,
        };
}

/// <summary>Puts <see cref="PrivateMartenLogger"/> in place of Marten's default logger, with the host's logging.</summary>
internal sealed class PrivateMartenLogging(ILoggerFactory loggers) : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options) => options.Logger(new PrivateMartenLogger(loggers.CreateLogger("Marten")));
}
