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

    /// <summary>One line of a batch: not a stream of its own, but the line as issued and its payment events.</summary>
    public sealed record Line(Guid BatchId, long LineNumber) : ReplaySubject(BatchId, "disbursement line");

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
    /// <param name="Households">The households whose records the state holds (for the access log).</param>
    public sealed record Replayed(long Version, string StateJson, IReadOnlyList<AuditedEvent> Events) : ReplayOutcome
    {
        public IReadOnlyList<Guid> Households { get; init; } = [];
    }

    public sealed record Diffed(long FromVersion, long ToVersion, IReadOnlyList<AttributedChange> Changes, IReadOnlyList<AuditedEvent> Events) : ReplayOutcome
    {
        public IReadOnlyList<Guid> Households { get; init; } = [];
    }

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
        if (subject is ReplaySubject.Line line)
        {
            return await ReplayLineAsync(line, at, cancellationToken);
        }

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
        return new ReplayOutcome.Replayed(reached, Json(state), [.. upTo.Select(Audited)]) { Households = HouseholdsOf(subject) };
    }

    public async Task<ReplayOutcome> DiffAsync(ReplaySubject subject, HistoryPoint from, HistoryPoint to, CancellationToken cancellationToken)
    {
        if (subject is ReplaySubject.Line line)
        {
            return await DiffLineAsync(line, from, to, cancellationToken);
        }

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

        if (Span(start, end) is { } refused)
        {
            return refused;
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

        return new ReplayOutcome.Diffed(Math.Max(start, 0), end, changes, [.. between.Select(Audited)]) { Households = HouseholdsOf(subject) };
    }

    private static ReplayOutcome.OutOfRange? Span(long start, long end) =>
        end < start ? new ReplayOutcome.OutOfRange("to", "comes before from")
        : end - start > MaxDiffEvents ? new ReplayOutcome.OutOfRange("to", $"spans {end - start} events; at most {MaxDiffEvents} at a time")
        : null;

    private static IReadOnlyList<Guid> HouseholdsOf(ReplaySubject subject) => subject is ReplaySubject.Household household ? [household.Id] : [];

    private async Task<ReplayOutcome> ReplayLineAsync(ReplaySubject.Line line, HistoryPoint at, CancellationToken cancellationToken)
    {
        if (await LineHistoryAsync(line, cancellationToken) is not { } history)
        {
            return new ReplayOutcome.NotFound(line.Noun);
        }

        if (history.VersionAt(at) is not { } version)
        {
            return new ReplayOutcome.OutOfRange("at", history.Refusal(at));
        }

        return new ReplayOutcome.Replayed(version, Json(history.States[(int)version]), [.. history.Events.Take((int)version)])
        {
            Households = [history.States[0].Line.HouseholdId],
        };
    }

    private async Task<ReplayOutcome> DiffLineAsync(ReplaySubject.Line line, HistoryPoint from, HistoryPoint to, CancellationToken cancellationToken)
    {
        if (await LineHistoryAsync(line, cancellationToken) is not { } history)
        {
            return new ReplayOutcome.NotFound(line.Noun);
        }

        if (history.VersionAt(from) is not { } start)
        {
            return new ReplayOutcome.OutOfRange("from", history.Refusal(from));
        }

        if (history.VersionAt(to) is not { } end)
        {
            return new ReplayOutcome.OutOfRange("to", history.Refusal(to));
        }

        if (Span(start, end) is { } refused)
        {
            return refused;
        }

        var changes = new List<AttributedChange>();
        for (var version = start + 1; version <= end; version++)
        {
            using var before = JsonDocument.Parse(Json(history.States[(int)version - 1]));
            using var after = JsonDocument.Parse(Json(history.States[(int)version]));
            var audited = history.Events[(int)version - 1];
            changes.AddRange(RecordDiff.Between(before.RootElement, after.RootElement).Select(difference => new AttributedChange(difference, audited)));
        }

        return new ReplayOutcome.Diffed(start, end, changes, [.. history.Events.Skip((int)start).Take((int)(end - start))])
        {
            Households = [history.States[0].Line.HouseholdId],
        };
    }

    /// <summary>The line as issued and after each of its payment events (a line has a handful), or null when the batch has no such line.</summary>
    private async Task<LineStates?> LineHistoryAsync(ReplaySubject.Line line, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        if (await session.LoadAsync<DisbursementBatch>(line.BatchId, cancellationToken) is not { } batch
            || await DisbursementLines.OneAsync(session, line.BatchId, line.LineNumber, cancellationToken) is not { } stored)
        {
            return null;
        }

        var events = await PaymentEvents.HistoryOfLineAsync(session, line.BatchId, line.LineNumber, cancellationToken);
        // The line's versions count its events in order (its stored line_version does the same).
        var audited = events.Select((stored, position) => new AuditedEvent(
            position + 1,
            stored.Sequence,
            stored.RecordedAt,
            stored.Event.Kind,
            stored.Event.Actor.PartnerId,
            string.Empty,
            stored.Event.Actor.OfficerId,
            stored.Event.Reason ?? stored.Event.Confirmation?.Reason ?? string.Empty,
            stored.Event.Confirmation?.BankReference,
            store.Options.Serializer().ToJson(stored.Event))
        {
            Certificate = stored.Event.Actor.Certificate,
            CorrelationId = stored.Event.Actor.CorrelationId,
        }).ToList();
        return new LineStates(batch.IssuedAt, LineHistory.States(stored.Line, events.Select(stored => stored.Event)), audited);
    }

    /// <summary>A line's states (index = version; 0 as issued) and the events between them.</summary>
    private sealed record LineStates(DateTimeOffset IssuedAt, IReadOnlyList<StoredLine> States, IReadOnlyList<AuditedEvent> Events)
    {
        public long? VersionAt(HistoryPoint point) => point switch
        {
            HistoryPoint.Version { Number: var number } => number >= 0 && number < States.Count ? number : null,
            HistoryPoint.Moment { Time: var time } when time < IssuedAt => null,
            HistoryPoint.Moment { Time: var time } => Events.LastOrDefault(e => e.Time <= time)?.Version ?? 0,
            _ => States.Count - 1,
        };

        public string Refusal(HistoryPoint point) => point is HistoryPoint.Moment
            ? "is before the line was issued"
            : $"is beyond the line's last version ({States.Count - 1})";
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
