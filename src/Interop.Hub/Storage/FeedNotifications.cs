using System.Globalization;
using Marten;
using Npgsql;

namespace Interop.Hub.Storage;

/// <summary>
/// The change feed's PostgreSQL side: the NOTIFY channel on which the subscription tells every hub
/// how far the feed may read, and the progress the async daemon recorded for it.
/// </summary>
internal static class FeedNotifications
{
    public const string Channel = "interop_change_feed";

    /// <summary>Queues the notice in the transaction that records the subscription's progress, so it never runs ahead of it.</summary>
    public static void QueueAdvance(IDocumentOperations operations, long ceiling) =>
        operations.QueueSqlCommand("select pg_notify(?, ?)", Channel, ceiling.ToString(CultureInfo.InvariantCulture));

    public static async Task ListenAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var listen = new NpgsqlCommand($"listen {Channel}", connection);
        await listen.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Pooled connections are not reset when returned (No Reset On Close): stop listening first.</summary>
    public static async Task UnlistenAsync(NpgsqlConnection connection)
    {
        await using var unlisten = new NpgsqlCommand("unlisten *", connection);
        await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>The furthest sequence the daemon recorded for the subscriptions named <paramref name="feedName"/> (0 before it ever ran).</summary>
    public static async Task<long> RecordedProgressAsync(IDocumentStore store, NpgsqlConnection connection, string feedName, CancellationToken cancellationToken)
    {
        await using var query = new NpgsqlCommand(
            $"select coalesce(max(last_seq_id), 0) from {MartenTables.EventProgression(store)} where name like @prefix", connection);
        query.Parameters.AddWithValue("prefix", feedName + "%");
        try
        {
            return Convert.ToInt64(await query.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }
}
