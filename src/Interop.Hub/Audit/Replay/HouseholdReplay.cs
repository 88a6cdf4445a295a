using System.Text.Json;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;
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

internal abstract record ReplayOutcome
{
    public sealed record Replayed(long Version, string StateJson, IReadOnlyList<AuditedEvent> Events) : ReplayOutcome;

    public sealed record Diffed(long FromVersion, long ToVersion, IReadOnlyList<AttributedChange> Changes, IReadOnlyList<AuditedEvent> Events) : ReplayOutcome;

    public sealed record NoHousehold : ReplayOutcome;

    /// <summary>A point the household's history does not have (a version beyond it, a moment before it), or a diff running backwards or too long.</summary>
    public sealed record OutOfRange(string Field, string Description) : ReplayOutcome;
}

/// <summary>
/// Replays a household for an auditor: its state at a point, folded by the projection's own
/// Create/Apply (Marten's aggregation as of a version), with the events up to there; and what
/// changed between two points, each field attributed to the event that changed it (the states
/// after each event in between, compared in turn).
/// </summary>
internal sealed class HouseholdReplay(IDocumentStore store)
{
    /// <summary>The most events a diff walks through; a longer span is narrowed by the caller.</summary>
    public const int MaxDiffEvents = 500;

    public async Task<ReplayOutcome> ReplayAsync(Guid householdId, HistoryPoint at, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(householdId, token: cancellationToken);
        if (!IsHousehold(events))
        {
            return new ReplayOutcome.NoHousehold();
        }

        var version = VersionAt(events, at);
        if (version is not { } reached || reached < 1)
        {
            return new ReplayOutcome.OutOfRange("at", version is null ? "is beyond the household's last version" : "is before the household was proposed");
        }

        var state = await StateAsync(session, householdId, reached, cancellationToken);
        return new ReplayOutcome.Replayed(reached, state, [.. events.Where(e => e.Version <= reached).Select(Audited)]);
    }

    public async Task<ReplayOutcome> DiffAsync(Guid householdId, HistoryPoint from, HistoryPoint to, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(householdId, token: cancellationToken);
        if (!IsHousehold(events))
        {
            return new ReplayOutcome.NoHousehold();
        }

        if (VersionAt(events, from) is not { } start)
        {
            return new ReplayOutcome.OutOfRange("from", "is beyond the household's last version");
        }

        if (VersionAt(events, to) is not { } end)
        {
            return new ReplayOutcome.OutOfRange("to", "is beyond the household's last version");
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
        var previous = start < 1 ? "{}" : await StateAsync(session, householdId, start, cancellationToken);
        foreach (var change in events.Where(e => e.Version > start && e.Version <= end))
        {
            var next = await StateAsync(session, householdId, change.Version, cancellationToken);
            using var before = JsonDocument.Parse(previous);
            using var after = JsonDocument.Parse(next);
            var audited = Audited(change);
            changes.AddRange(RecordDiff.Between(before.RootElement, after.RootElement).Select(difference => new AttributedChange(difference, audited)));
            previous = next;
        }

        return new ReplayOutcome.Diffed(Math.Max(start, 0), end, changes, [.. events.Where(e => e.Version > start && e.Version <= end).Select(Audited)]);
    }

    /// <summary>Whether the stream is a household's: it starts with the event that creates one (another kind's id, a partner's or a conflict case's, is no household).</summary>
    public static bool IsHousehold(IReadOnlyList<IEvent> events) => events.Count > 0 && events[0].Data is HouseholdProposed or SplitOff;

    /// <summary>The version the point names: the last event at or before a moment (0 before the first), a version if the stream has it; null beyond the stream.</summary>
    private static long? VersionAt(IReadOnlyList<IEvent> events, HistoryPoint point) => point switch
    {
        HistoryPoint.Version { Number: var number } => number <= events[^1].Version && number >= 0 ? number : null,
        HistoryPoint.Moment { Time: var time } => events.LastOrDefault(e => e.Timestamp <= time)?.Version ?? 0,
        _ => events[^1].Version,
    };

    private async Task<string> StateAsync(IQuerySession session, Guid householdId, long version, CancellationToken cancellationToken)
    {
        var household = await session.Events.AggregateStreamAsync<Household>(householdId, version, token: cancellationToken)
            ?? throw new InvalidOperationException($"The household stream does not fold at version {version}.");
        return store.Options.Serializer().ToJson(household);
    }

    private AuditedEvent Audited(IEvent stored)
    {
        var data = stored.Data as IHouseholdEvent;
        return new AuditedEvent(
            stored.Version,
            stored.Sequence,
            stored.Timestamp,
            stored.EventTypeName,
            data?.Actor.PartnerId ?? string.Empty,
            data?.Actor.Kind.ToString() ?? string.Empty,
            data?.Actor.OfficerId,
            data?.Reason ?? string.Empty,
            data?.EvidenceReference,
            store.Options.Serializer().ToJson(stored.Data))
        {
            Certificate = data?.Actor.Certificate,
            CorrelationId = data?.Actor.CorrelationId,
        };
    }
}
