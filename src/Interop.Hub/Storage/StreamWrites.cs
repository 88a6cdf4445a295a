using Marten;

namespace Interop.Hub.Storage;

/// <summary>
/// The one way the hub appends to a stream that exists: after the version its decision read.
/// Marten's expected-version check then makes the commit fail if another change moved the stream
/// meanwhile, and the caller answers the lost race (<see cref="LostRace"/>) with ABORTED; no call
/// site works out an expected version by itself. The decision has already read the stream's state
/// (its snapshot), so this costs no second read, which <c>FetchForWriting</c> would.
/// </summary>
internal static class StreamWrites
{
    /// <summary>Queues the events after <paramref name="readVersion"/>; returns the stream's version once they are stored.</summary>
    public static long AppendAfter<TEvent>(IDocumentSession session, Guid streamId, long readVersion, IReadOnlyCollection<TEvent> events)
        where TEvent : notnull
    {
        var version = readVersion + events.Count;
        session.Events.Append(streamId, version, events.Cast<object>().ToArray());
        return version;
    }
}
