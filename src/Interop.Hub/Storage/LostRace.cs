using JasperFx;
using JasperFx.Events;
using Npgsql;

namespace Interop.Hub.Storage;

/// <summary>
/// Recognises a commit that lost a race with another: a stream no longer at the expected version,
/// or a unique key (a receipt, a NIK registration) another commit took first. Marten rolls the whole
/// transaction back and reports these alone or, from a batched commit, inside an AggregateException.
/// </summary>
internal static class LostRace
{
    public static bool Is(Exception exception) => exception switch
    {
        ConcurrencyException or EventStreamUnexpectedMaxEventIdException or DocumentAlreadyExistsException => true,
        // A key taken first by another commit, in a statement of our own (BulkDocuments).
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(Is),
        { InnerException: { } inner } => Is(inner),
        _ => false,
    };

    /// <summary>The commit lost on a unique key of the named table (another commit took the key first).</summary>
    public static bool OnTable(Exception exception, string table) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique => unique.TableName == table,
        AggregateException aggregate => aggregate.InnerExceptions.Any(inner => OnTable(inner, table)),
        { InnerException: { } inner } => OnTable(inner, table),
        _ => false,
    };
}
