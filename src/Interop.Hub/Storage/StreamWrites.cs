using JasperFx.Events;
using Marten;

namespace Interop.Hub.Storage;

/// <summary>
/// The one way the hub writes to a stream that exists. A decision reads the stream through
/// Marten's <c>FetchForWriting</c> (<see cref="FetchAsync{T}"/>, or many at once), and what it
/// decides is appended through that handle, so the commit fails if another change moved the stream
/// after the read; the caller answers the lost race (<see cref="LostRace"/>) with ABORTED. No call
/// site works out an expected version. The batch path of reconciliation, which reads a whole batch's
/// households with one query, appends after the version each decision read (<see cref="AppendAfterAsync"/>).
/// <para>
/// Each of these first opens the session's transaction. Marten draws the new events' global
/// sequence numbers in a query of their own before it writes them; in a session without a
/// transaction that query commits on its own, and for a moment a drawn number belongs to no open
/// transaction at all. The audit log takes a number as final once every transaction open when it
/// looked has ended (<see cref="AuditLogStore.SnapshotAsync"/>), so such a number, written a moment
/// later, could be passed over for good. Drawn inside the transaction that writes it, it cannot.
/// </para>
/// </summary>
internal static class StreamWrites
{
    /// <summary>The stream of a <typeparamref name="T"/> to decide on and append to, or null when no <typeparamref name="T"/> has the id.</summary>
    public static async Task<IEventStream<T>?> FetchAsync<T>(IDocumentSession session, Guid id, CancellationToken cancellationToken)
        where T : class
    {
        await session.BeginTransactionAsync(cancellationToken);
        return await session.Events.FetchForWriting<T>(id, cancellationToken) is { Aggregate: not null } stream ? stream : null;
    }

    /// <summary>Many streams in one round trip, by id, for those that hold a <typeparamref name="T"/>.</summary>
    public static async Task<IReadOnlyDictionary<Guid, IEventStream<T>>> FetchManyAsync<T>(IDocumentSession session, IEnumerable<Guid> ids, CancellationToken cancellationToken)
        where T : class
    {
        await session.BeginTransactionAsync(cancellationToken);
        return (await session.Events.FetchManyForWriting<T>(ids.Distinct().ToList(), cancellationToken))
            .Where(stream => stream.Aggregate is not null)
            .ToDictionary(stream => stream.Id);
    }

    /// <summary>Queues the events after <paramref name="readVersion"/>, the version the decision read; returns the stream's version once they are stored.</summary>
    public static async Task<long> AppendAfterAsync<TEvent>(IDocumentSession session, Guid streamId, long readVersion, IReadOnlyCollection<TEvent> events, CancellationToken cancellationToken)
        where TEvent : notnull
    {
        await session.BeginTransactionAsync(cancellationToken);
        var version = readVersion + events.Count;
        session.Events.Append(streamId, version, events.Cast<object>().ToArray());
        return version;
    }

    /// <summary>Queues a new stream of a <typeparamref name="T"/> with its first events.</summary>
    public static async Task StartAsync<T>(IDocumentSession session, Guid streamId, IEnumerable<object> events, CancellationToken cancellationToken)
        where T : class
    {
        await session.BeginTransactionAsync(cancellationToken);
        session.Events.StartStream<T>(streamId, events.ToArray());
    }
}
