namespace Interop.Hub.Storage;

/// <summary>
/// PostgreSQL keeps timestamps to the microsecond; a snapshot folded in memory right after an
/// append sees .NET's 100-nanosecond ticks. Aggregates keep times at the stored precision so that a
/// state read back later, or replayed, equals the one answered at write time.
/// </summary>
internal static class StoredTime
{
    public static DateTimeOffset Of(DateTimeOffset timestamp) => new(timestamp.Ticks - (timestamp.Ticks % 10), timestamp.Offset);
}
