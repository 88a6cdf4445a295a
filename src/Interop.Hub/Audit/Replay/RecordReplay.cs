using System.Text.Json;
using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Partners;
using Interop.Hub.Partners.Directory;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Storage;
using JasperFx.Events;
using Marten;

namespace Interop.Hub.Audit.Replay;

/// <summary>A point of a stream's history: after a version, or as it stood at a moment.</summary>
internal abstract record HistoryPoint
{
    public sealed record Version(long Number) : HistoryPoint;

    public sealed record Moment(DateTimeOffset Time) : HistoryPoint;

    public sealed record Now : HistoryPoint
    {
        public static Now Instance { get; } = new();
    }
}

/// <summary>One stored event as an auditor reads it.</summary>
internal sealed record AuditedEvent(long Version, long Sequence, DateTimeOffset Time, string Type, string PartnerId, string PartnerKind, string? OfficerId, string Reason, string? EvidenceReference, string DataJson)
{
    public string? Certificate { get; init; }

    public string? CorrelationId { get; init; }
}

/// <summary>A field an event changed, with the event.</summary>
internal sealed record AttributedChange(FieldDifference Difference, AuditedEvent Event);

/// <summary>A record an auditor replays from its event stream: a household, a partner's record in the directory, or a disbursement batch.</summary>
internal abstract record ReplaySubject(Guid StreamId, string Noun)
{
    public sealed record Household(Guid Id) : ReplaySubject(Id, "household");

    public sealed record Partner(string PartnerId) : ReplaySubject(PartnerRecords.StreamOf(PartnerId), "partner");

    public sealed record Batch(Guid Id) : ReplaySubject(Id, "batch");

    /// <summary>Whether the stream is this kind's: it starts with the event that creates one (another kind's id is not found).</summary>
    public bool Begins(IReadOnlyList<IEvent> events) => events.Count > 0 && (this, events[0].Data) switch
    {
        (Household, HouseholdProposed or SplitOff) => true,
        (Partner, PartnerRegistered) => true,
        (Batch, BatchIssued) => true,
        _ => false,
    };
}

internal abstract record ReplayOutcome
{
    public sealed record Replayed(long Version, string StateJson, IReadOnlyList<AuditedEvent> Events) : ReplayOutcome;

    public sealed record Diffed(long FromVersion, long ToVersion, IReadOnlyList<AttributedChange> Changes, IReadOnlyList<AuditedEvent> Events) : ReplayOutcome;

    /// <summary>No record of the kind asked has that id.</summary>
    public sealed record NotFound(string Noun) : ReplayOutcome;

    /// <summary>A point the record's history does not have (a version beyond it, a moment before it), or a diff running backwards or too long.</summary>
    public sealed record OutOfRange(string Field, string Description) : ReplayOutcome;
}

/// <summary>
/// Replays a record for an auditor: its state at a point, folded from its stream by the aggregate's
/// own Create/Apply (the stream read once, folded in memory), with the events up to there; and what
/// changed between two points, each field attributed to the event that changed it (the state after
/// each event in between, folded on from the one before, compared in turn).
/// </summary>
internal sealed class RecordReplay(IDocumentStore store)
{
    /// <summary>The most events a diff walks through; a longer span is narrowed by the caller.</summary>
    public const int MaxDiffEvents = 500;

    public async Task<ReplayOutcome> ReplayAsync(ReplaySubject subject, HistoryPoint at, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(subject.StreamId, token: cancellationToken);
        if (!subject.Begins(events))
        {
            return new ReplayOutcome.NotFound(subject.Noun);
        }

        var version = VersionAt(events, at);
        if (version is not { } reached || reached < 1)
        {
            return new ReplayOutcome.OutOfRange("at", version is null ? $"is beyond the {subject.Noun}'s last version" : $"is before the {subject.Noun} was first recorded");
        }

        var upTo = events.Where(e => e.Version <= reached).ToList();
        var state = await FoldAsync(subject, session, upTo, null, cancellationToken);
        return new ReplayOutcome.Replayed(reached, Json(state), [.. upTo.Select(Audited)]);
    }

    public async Task<ReplayOutcome> DiffAsync(ReplaySubject subject, HistoryPoint from, HistoryPoint to, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(subject.StreamId, token: cancellationToken);
        if (!subject.Begins(events))
        {
            return new ReplayOutcome.NotFound(subject.Noun);
        }

        if (VersionAt(events, from) is not { } start)
        {
            return new ReplayOutcome.OutOfRange("from", $"is beyond the {subject.Noun}'s last version");
        }

        if (VersionAt(events, to) is not { } end)
        {
            return new ReplayOutcome.OutOfRange("to", $"is beyond the {subject.Noun}'s last version");
        }

        if (end < start)
        {
            return new ReplayOutcome.OutOfRange("to", "comes before from");
        }

        if (end - start > MaxDiffEvents)
        {
            return new ReplayOutcome.OutOfRange("to", $"spans {end - start} events; at most {MaxDiffEvents} at a time");
        }

        var changes = new List<AttributedChange>();
        var state = start < 1 ? null : await FoldAsync(subject, session, [.. events.Where(e => e.Version <= start)], null, cancellationToken);
        var previous = state is null ? "{}" : Json(state);
        var between = events.Where(e => e.Version > start && e.Version <= end).ToList();
        foreach (var change in between)
        {
            state = await FoldAsync(subject, session, [change], state, cancellationToken);
            var next = Json(state);
            using var before = JsonDocument.Parse(previous);
            using var after = JsonDocument.Parse(next);
            var audited = Audited(change);
            changes.AddRange(RecordDiff.Between(before.RootElement, after.RootElement).Select(difference => new AttributedChange(difference, audited)));
            previous = next;
        }

        return new ReplayOutcome.Diffed(Math.Max(start, 0), end, changes, [.. between.Select(Audited)]);
    }

    /// <summary>The version at a point: the last event at or before a moment (0 before the first), a version the stream has, or the last; null for a version beyond it.</summary>
    private static long? VersionAt(IReadOnlyList<IEvent> events, HistoryPoint point) => point switch
    {
        HistoryPoint.Version { Number: var number } => number <= events[^1].Version && number >= 0 ? number : null,
        HistoryPoint.Moment { Time: var time } => events.LastOrDefault(e => e.Timestamp <= time)?.Version ?? 0,
        _ => events[^1].Version,
    };

    /// <summary>Folds events onto a state (none: from the first) with the aggregate's own Create/Apply.</summary>
    private Task<object?> FoldAsync(ReplaySubject subject, IQuerySession session, IReadOnlyList<IEvent> events, object? state, CancellationToken cancellationToken) => subject switch
    {
        ReplaySubject.Household => FoldAsync<Registry.Household>(session, events, state, cancellationToken),
        ReplaySubject.Partner => FoldAsync<Partners.Directory.Partner>(session, events, state, cancellationToken),
        ReplaySubject.Batch => FoldAsync<DisbursementBatch>(session, events, state, cancellationToken),
        _ => throw new InvalidOperationException($"No fold for {subject.GetType().Name}."),
    };

    private async Task<object?> FoldAsync<T>(IQuerySession session, IReadOnlyList<IEvent> events, object? state, CancellationToken cancellationToken)
        where T : class =>
        await ((StoreOptions)store.Options).Projections.AggregatorFor<T>().BuildAsync(events, session, (T?)state, cancellationToken)
            ?? throw new InvalidOperationException($"The stream does not fold to a {typeof(T).Name}.");

    private string Json(object? state) => store.Options.Serializer().ToJson(state);

    private AuditedEvent Audited(IEvent stored)
    {
        var data = stored.Data as IAttributedEvent;
        return new AuditedEvent(
            stored.Version,
            stored.Sequence,
            stored.Timestamp,
            stored.EventTypeName,
            data?.Actor.PartnerId ?? string.Empty,
            data?.Actor.Kind.ToString() ?? string.Empty,
            data?.Actor.OfficerId,
            data?.Reason ?? string.Empty,
            (stored.Data as IHouseholdEvent)?.EvidenceReference,
            store.Options.Serializer().ToJson(stored.Data))
        {
            Certificate = data?.Actor.Certificate,
            CorrelationId = data?.Actor.CorrelationId,
        };
    }
}
