using JasperFx.Events;
using Marten;
using Marten.Events;

namespace Interop.Hub.Storage;

/// <summary>
/// Starts many new streams with their inline snapshots in four statements: the rows Marten 9 writes
/// for <c>StartStream</c>, pinned by <c>MartenSchemaTests</c> (docs/architecture.md, "The ingest path").
/// The caller folds each snapshot with the projection's own Create/Apply (<see cref="Stamp{T}"/>).
/// </summary>
internal sealed class NewStreams(IDocumentSession session)
{
    private const string Tenant = "*DEFAULT*";

    private readonly EventGraph events = (EventGraph)((StoreOptions)session.DocumentStore.Options).Events;
    private readonly List<(Guid Id, string Type, long Version)> streams = [];
    private readonly List<(Guid Id, Guid StreamId, long Version, string Data, string Type, string DotNetType)> rows = [];
    private readonly Dictionary<Type, List<(Guid Id, string Data, long Version, string? SearchTerms)>> snapshots = [];

    /// <summary>The time of every event started here, at the precision PostgreSQL stores.</summary>
    public DateTimeOffset Timestamp { get; } = StoredTime.Of(DateTimeOffset.UtcNow);

    public int Count => streams.Count;

    /// <summary>An event as Marten's projections see it: stream, version and time set.</summary>
    public IEvent<T> Stamp<T>(Guid streamId, long version, T data)
        where T : notnull =>
        new Event<T>(data) { StreamId = streamId, Version = version, Timestamp = Timestamp };

    /// <param name="searchTerms">The snapshot's duplicated search-terms column, when its type has one.</param>
    public void Start<TAggregate>(Guid streamId, TAggregate snapshot, IReadOnlyList<object> streamEvents, IReadOnlyList<string>? searchTerms = null)
        where TAggregate : notnull
    {
        var serializer = session.DocumentStore.Options.Serializer();
        streams.Add((streamId, events.AggregateAliasFor(typeof(TAggregate)), streamEvents.Count));
        for (var index = 0; index < streamEvents.Count; index++)
        {
            var mapping = events.EventMappingFor(streamEvents[index].GetType());
            rows.Add((Guid.CreateVersion7(), streamId, index + 1, serializer.ToJson(streamEvents[index]), mapping.EventTypeName, mapping.DotNetTypeName));
        }

        if (!snapshots.TryGetValue(typeof(TAggregate), out var documents))
        {
            snapshots[typeof(TAggregate)] = documents = [];
        }

        documents.Add((streamId, serializer.ToJson(snapshot), streamEvents.Count, searchTerms is null ? null : string.Join('\n', searchTerms)));
    }

    /// <summary>Queues the statements; they run with the session's other work when it saves.</summary>
    public void Queue()
    {
        if (streams.Count == 0)
        {
            return;
        }

        var store = session.DocumentStore;
        session.QueueSqlCommand(
            $"insert into {MartenTables.Streams(store)} (id, type, version, timestamp, created, tenant_id) "
            + "select id, type, version, ?, ?, ? from unnest(?::uuid[], ?::varchar[], ?::bigint[]) as s(id, type, version)",
            Timestamp,
            Timestamp,
            Tenant,
            streams.Select(s => s.Id).ToArray(),
            streams.Select(s => s.Type).ToArray(),
            streams.Select(s => s.Version).ToArray());
        // Numbered in the order given, so that each stream's events follow each other in the global sequence too.
        session.QueueSqlCommand(
            $"insert into {MartenTables.Events(store)} (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived) "
            + $"select nextval('{MartenTables.EventSequence(store)}'), id, stream_id, version, data::jsonb, type, ?, ?, dotnet_type, false "
            + "from unnest(?::uuid[], ?::uuid[], ?::bigint[], ?::text[], ?::varchar[], ?::varchar[]) with ordinality as e(id, stream_id, version, data, type, dotnet_type, position) "
            + "order by position",
            Timestamp,
            Tenant,
            rows.Select(r => r.Id).ToArray(),
            rows.Select(r => r.StreamId).ToArray(),
            rows.Select(r => r.Version).ToArray(),
            rows.Select(r => r.Data).ToArray(),
            rows.Select(r => r.Type).ToArray(),
            rows.Select(r => r.DotNetType).ToArray());
        foreach (var (type, documents) in snapshots)
        {
            var table = store.Options.Schema.For(type);
            var withTerms = documents.Any(d => d.SearchTerms is not null);
            session.QueueSqlCommand(
                $"insert into {table} (id, data, mt_version, mt_dotnet_type, mt_last_modified{(withTerms ? ", search_terms" : string.Empty)}) "
                + $"select id, data::jsonb, version, ?, ?{(withTerms ? ", string_to_array(terms, E'\\n')" : string.Empty)} "
                + "from unnest(?::uuid[], ?::text[], ?::bigint[], ?::text[]) as d(id, data, version, terms)",
                type.FullName!,
                Timestamp,
                documents.Select(d => d.Id).ToArray(),
                documents.Select(d => d.Data).ToArray(),
                documents.Select(d => d.Version).ToArray(),
                documents.Select(d => d.SearchTerms).ToArray());
        }
    }
}
