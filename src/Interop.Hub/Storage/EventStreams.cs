using Marten;

namespace Interop.Hub.Storage;

/// <summary>
/// Reads a stream as the kind of thing a caller names: an id of another kind (a conflict case's id
/// sent as a household's) finds nothing, instead of folding events that are not that kind's.
/// </summary>
internal static class EventStreams
{
    /// <summary>A stream of that kind has the id.</summary>
    public static async Task<bool> IsAsync<T>(IQuerySession session, Guid id, CancellationToken cancellationToken) =>
        await LatestVersionAsync<T>(session, id, cancellationToken) is not null;

    /// <summary>The version of the stream's latest event, or null when no stream of that kind has the id.</summary>
    public static async Task<long?> LatestVersionAsync<T>(IQuerySession session, Guid id, CancellationToken cancellationToken) =>
        await session.Events.FetchStreamStateAsync(id, cancellationToken) is { } stream && stream.AggregateType == typeof(T) ? stream.Version : null;

    /// <summary>The highest position any event holds in the store's global sequence (0 for an empty store).</summary>
    public static async Task<long> HighestSequenceAsync(IQuerySession session, CancellationToken cancellationToken) =>
        (await session.AdvancedSql.QueryAsync<long>(
            $"select coalesce(max(seq_id), 0) from {MartenTables.Events(session.DocumentStore)}", cancellationToken)).Single();
}
