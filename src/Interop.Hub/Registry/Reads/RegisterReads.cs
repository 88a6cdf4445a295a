using Interop.Hub.Partners;
using Interop.Hub.Registry.ChangeFeed;
using Interop.Hub.Registry.Conflicts;
using Interop.Hub.Storage;
using JasperFx.Events;
using Marten;

namespace Interop.Hub.Registry.Reads;

/// <summary>A household as asked for: now, or as it stood at a version or a moment.</summary>
internal abstract record HouseholdRead
{
    public sealed record Found(Household Household) : HouseholdRead;

    /// <summary>No household has the id (another stream's id, a conflict case's, names none either).</summary>
    public sealed record NotFound : HouseholdRead;

    /// <summary>The household had not been proposed yet at the moment asked for.</summary>
    public sealed record NotYet : HouseholdRead;

    /// <summary>The version asked for is beyond the household's latest.</summary>
    public sealed record BeyondLatest(long LatestVersion) : HouseholdRead;

    /// <summary>PERMISSION_DENIED: the household, as asked for, lay outside the reader's reach.</summary>
    public sealed record OutsideReach(string Reason) : HouseholdRead;
}

/// <summary>Which state of a household a read asks for: now (both null), a version, or a moment.</summary>
internal sealed record AsOf(long? Version = null, DateTimeOffset? Moment = null)
{
    public static AsOf Now { get; } = new();
}

/// <summary>
/// Reads of the register that every contract version shares: households now or as they stood,
/// their histories and conflict cases. The adapters only shape what comes back.
/// </summary>
internal sealed class RegisterReads(IQuerySession session, PastHouseholds past)
{
    /// <summary>The household as asked for, if it lay within the reader's reach then (one that moved out stays readable as it was before).</summary>
    public async Task<HouseholdRead> HouseholdAsync(Guid id, AsOf asOf, Jurisdiction reach, CancellationToken cancellationToken)
    {
        var read = await HouseholdAsync(id, asOf, cancellationToken);
        return read switch
        {
            HouseholdRead.Found found when !reach.Covers(found.Household.VillageCode) => new HouseholdRead.OutsideReach(OutsideReachReason(id, reach)),
            // Beyond its versions or before it existed tells its number of versions or its creation
            // moment: said only of a household within reach now.
            HouseholdRead.BeyondLatest or HouseholdRead.NotYet when !reach.IsEverywhere
                && (await session.LoadAsync<Household>(id, cancellationToken) is not { } now || !reach.Covers(now.VillageCode)) =>
                new HouseholdRead.OutsideReach(OutsideReachReason(id, reach)),
            _ => read,
        };
    }

    private async Task<HouseholdRead> HouseholdAsync(Guid id, AsOf asOf, CancellationToken cancellationToken)
    {
        if (asOf.Version is null && asOf.Moment is null)
        {
            // The stored snapshot, kept current with every append.
            return await session.LoadAsync<Household>(id, cancellationToken) is { } current ? new HouseholdRead.Found(current) : new HouseholdRead.NotFound();
        }

        if (await EventStreams.LatestVersionAsync<Household>(session, id, cancellationToken) is not { } latest)
        {
            return new HouseholdRead.NotFound();
        }

        if (asOf.Version is { } version)
        {
            return version <= latest
                ? new HouseholdRead.Found((await past.AtAsync(session, id, version, null, cancellationToken))!)
                : new HouseholdRead.BeyondLatest(latest);
        }

        return await past.AtAsync(session, id, null, asOf.Moment, cancellationToken) is { } then
            ? new HouseholdRead.Found(then)
            : new HouseholdRead.NotYet();
    }

    /// <summary>
    /// Every event of the household in the order it happened, with those of the duplicates merged
    /// into it (a survivor keeps their history), as far as they happened within the reader's reach:
    /// a household that moved out is seen up to its move, and again if it comes back.
    /// </summary>
    public async Task<HistoryRead> HistoryAsync(Guid id, Jurisdiction reach, CancellationToken cancellationToken)
    {
        if (!await EventStreams.IsAsync<Household>(session, id, cancellationToken))
        {
            return new HistoryRead.NotFound();
        }

        var events = (await session.Events.FetchStreamAsync(id, token: cancellationToken)).ToList();
        if (events.Count == 0)
        {
            return new HistoryRead.NotFound();
        }

        foreach (var merged in events.Select(e => e.Data).OfType<DuplicateMerged>().ToList())
        {
            events.AddRange(await session.Events.FetchStreamAsync(merged.MergedHouseholdId, token: cancellationToken));
        }

        if (!reach.IsEverywhere)
        {
            var timelines = events.GroupBy(e => e.StreamId).ToDictionary(
                stream => stream.Key,
                stream => stream.OrderBy(e => e.Version).Aggregate(new HouseholdTimeline(), (timeline, e) => timeline.Add(e)));
            events = events.Where(e => HouseholdTimeline.PlacesOf(e, timelines[e.StreamId]).Any(reach.Covers)).ToList();
            if (events.Count == 0)
            {
                return new HistoryRead.OutsideReach(OutsideReachReason(id, reach));
            }
        }

        return new HistoryRead.Found(events.OrderBy(e => e.Sequence).ToList());
    }

    /// <summary>The case, if the household it holds lies within the reader's reach.</summary>
    public async Task<ConflictCaseRead> ConflictCaseAsync(Guid id, Jurisdiction reach, CancellationToken cancellationToken)
    {
        if (await session.LoadAsync<ConflictCase>(id, cancellationToken) is not { } conflict)
        {
            return new ConflictCaseRead.NotFound();
        }

        return reach.IsEverywhere || (await session.LoadAsync<Household>(conflict.ProposedHouseholdId, cancellationToken) is { } proposed && reach.Covers(proposed.VillageCode))
            ? new ConflictCaseRead.Found(conflict)
            : new ConflictCaseRead.OutsideReach($"Conflict case {id} holds a household outside the {reach.Describe()} this partner serves.");
    }

    private static string OutsideReachReason(Guid id, Jurisdiction reach) => $"Household {id} lies outside the {reach.Describe()} this partner serves.";
}

internal abstract record HistoryRead
{
    public sealed record Found(IReadOnlyList<IEvent> Events) : HistoryRead;

    public sealed record NotFound : HistoryRead;

    public sealed record OutsideReach(string Reason) : HistoryRead;
}

internal abstract record ConflictCaseRead
{
    public sealed record Found(ConflictCase Case) : ConflictCaseRead;

    public sealed record NotFound : ConflictCaseRead;

    public sealed record OutsideReach(string Reason) : ConflictCaseRead;
}
