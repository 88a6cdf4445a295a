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
    public static bool Is(Exception exception) => Any(exception, cause => cause
        is ConcurrencyException or EventStreamUnexpectedMaxEventIdException or DocumentAlreadyExistsException
        // A key taken first by another commit, in a statement of our own (BulkDocuments, NikRegistration).
        or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
        // Marten's quick append raising "Stream version mismatch" (its SQLSTATE MT003), as its command logger sees it.
        or PostgresException { SqlState: StreamVersionMismatch });

    private const string StreamVersionMismatch = "MT003";

    /// <summary>
    /// Runs a read-decide-commit attempt again while it loses races (the data changed between its read
    /// and its commit: read again, decide again), a few times with a growing random pause; then gives
    /// up with <see cref="Registry.ConcurrentChangeException"/> (ABORTED), saying what <paramref name="keptChanging"/>.
    /// </summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> attempt, string keptChanging, CancellationToken cancellationToken)
    {
        for (var number = 1; ; number++)
        {
            try
            {
                return await attempt();
            }
            catch (Exception exception) when (Is(exception) && number < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * number), cancellationToken);
            }
            catch (Exception exception) when (Is(exception))
            {
                throw new Registry.ConcurrentChangeException(keptChanging, exception);
            }
        }
    }

    private const int MaxAttempts = 10;

    /// <summary>The commit lost on a unique key of the named table (another commit took the key first).</summary>
    public static bool OnTable(Exception exception, string table) =>
        Any(exception, cause => cause is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique && unique.TableName == table);

    /// <summary>The exception or any it carries (inner, or aggregated from a batched commit) is such a cause.</summary>
    private static bool Any(Exception exception, Func<Exception, bool> isCause) =>
        isCause(exception) || exception switch
        {
            AggregateException aggregate => aggregate.InnerExceptions.Any(inner => Any(inner, isCause)),
            { InnerException: { } inner } => Any(inner, isCause),
            _ => false,
        };
}
