namespace Interop.Hub.Streaming;

/// <summary>
/// How many bytes of one stream's requests the hub holds at once, read but not yet answered. A
/// reader takes an item's bytes before buffering it and waits while the budget is spent, so that a
/// sender who does not read its answers is held back by HTTP/2 flow control instead of filling the
/// hub's memory. An item larger than the whole budget is let through alone.
/// </summary>
internal sealed class StreamBudget(long capacity)
{
    /// <summary>Bytes of decided requests one stream may hold; docs/operations.md states the bound it gives.</summary>
    public const long PerStreamBytes = 4 * 1024 * 1024;

    private readonly SemaphoreSlim changed = new(0);
    private readonly long capacityBytes = capacity;
    private long available = capacity;

    public async ValueTask TakeAsync(long bytes, CancellationToken cancellationToken)
    {
        var wanted = Math.Min(bytes, capacityBytes);
        while (true)
        {
            lock (changed)
            {
                if (available >= wanted)
                {
                    available -= wanted;
                    return;
                }
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    public void Release(long bytes)
    {
        lock (changed)
        {
            available += Math.Min(bytes, capacityBytes);
        }

        changed.Release();
    }

    /// <summary>What a message of this many bytes on the wire holds in memory once parsed: its strings as UTF-16, with room for the objects around them.</summary>
    public static long InMemory(int wireBytes) => (wireBytes * 2L) + 512;
}
