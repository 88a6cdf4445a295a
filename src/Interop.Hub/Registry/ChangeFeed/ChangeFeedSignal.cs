using Interop.Hub.Storage;
using Marten;
using Npgsql;

namespace Interop.Hub.Registry.ChangeFeed;

/// <summary>
/// How far the change feed may read on this hub: the sequence the change-feed subscription has
/// safely passed. Listens for the subscription's notifications on a connection of its own and
/// wakes the feeds waiting for more.
/// </summary>
internal sealed class ChangeFeedSignal(IDocumentStore store, ILogger<ChangeFeedSignal> logger) : BackgroundService
{
    private long safeSequence;
    private TaskCompletionSource advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long SafeSequence => Interlocked.Read(ref safeSequence);

    /// <summary>Waits until the feed may read beyond <paramref name="sequence"/>.</summary>
    public async Task WaitBeyondAsync(long sequence, CancellationToken cancellationToken)
    {
        while (SafeSequence <= sequence)
        {
            var next = Volatile.Read(ref advanced).Task;
            if (SafeSequence > sequence)
            {
                return;
            }

            await next.WaitAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
            {
                logger.LogWarning("Change feed listener lost its connection ({ExceptionType}); reconnecting", exception.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(stoppingToken);
        connection.Notification += (_, notification) =>
        {
            if (long.TryParse(notification.Payload, out var ceiling))
            {
                Advance(ceiling);
            }
        };
        await FeedNotifications.ListenAsync(connection, stoppingToken);

        try
        {
            // Listening first, then reading the recorded progress, so no advance falls between the two.
            Advance(await FeedNotifications.RecordedProgressAsync(store, connection, ChangeFeedSubscription.FeedName, stoppingToken));
            while (!stoppingToken.IsCancellationRequested)
            {
                await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken);
            }
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                try
                {
                    await FeedNotifications.UnlistenAsync(connection);
                }
                catch (NpgsqlException)
                {
                    // A connection that cannot even unlisten is broken and will not be reused.
                }
            }
        }
    }

    private void Advance(long ceiling)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref safeSequence);
            if (ceiling <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref safeSequence, ceiling, current) != current);

        Interlocked.Exchange(ref advanced, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
