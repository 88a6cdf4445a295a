using System.Diagnostics;
using Npgsql;

namespace Interop.Cli.Bench;

/// <summary>Waits out a hub's background work on events just written, so that a scenario is measured on a settled store.</summary>
internal static class StoreSettling
{
    /// <summary>
    /// Lets the change-feed subscription catch up with the events written, then refreshes
    /// PostgreSQL's statistics (<c>ANALYZE</c>); returns how long it took.
    /// </summary>
    public static async Task<TimeSpan> SettleAsync(string connectionString, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        while (clock.Elapsed < TimeSpan.FromMinutes(15))
        {
            await using var behind = new NpgsqlCommand(
                "select (select coalesce(max(seq_id), 0) from interop.mt_events) - coalesce((select max(last_seq_id) from interop.mt_event_progression where name like 'change_feed%'), 0)",
                connection);
            if ((long)(await behind.ExecuteScalarAsync(cancellationToken))! <= 0)
            {
                break;
            }

            await Task.Delay(1000, cancellationToken);
        }

        await using (var analyze = new NpgsqlCommand("analyze", connection) { CommandTimeout = 600 })
        {
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        return clock.Elapsed;
    }
}
