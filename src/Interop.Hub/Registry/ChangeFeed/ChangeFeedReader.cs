using Interop.Hub.Partners;
using Interop.Hub.Registry.Search;
using Interop.Hub.Storage;
using System.Runtime.CompilerServices;
using JasperFx.Events;
using Marten;
using Marten.Events;

namespace Interop.Hub.Registry.ChangeFeed;

/// <summary>Which changes a feed delivers.</summary>
internal sealed record FeedFilter(string RegionPrefix, SocialProgram Program)
{
    public const string RegionRule = HouseholdSearch.RegionRule;

    /// <summary>Where the reader may see households: a change is delivered only where it happened within reach.</summary>
    public Jurisdiction Reach { get; init; } = Jurisdiction.Everywhere;

    /// <summary>The region asked for lies wholly outside the reader's reach.</summary>
    public bool IsBeyondReach => Reach.Narrow(RegionPrefix) is [];

    public bool IsEmpty => RegionPrefix.Length == 0 && Program == SocialProgram.Unspecified && Reach.IsEverywhere;

    /// <summary>No region, or a dotted region code (a prefix nothing could match would leave the feed waiting forever).</summary>
    public bool HasValidRegion => RegionPrefix.Length == 0 || HouseholdSearch.IsRegionCode(RegionPrefix);

    /// <summary>
    /// Matches against the event itself where it says where or what, else against the household as
    /// it was when the event happened (its timeline up to the event's version): a feed replayed
    /// from an old checkpoint delivers a household's earlier changes to the region it lived in then.
    /// </summary>
    public bool Matches(IEvent stored, HouseholdTimeline? timeline)
    {
        var villages = HouseholdTimeline.PlacesOf(stored, timeline);
        var inRegion = (RegionPrefix.Length == 0 || villages.Any(village => village == RegionPrefix || village.StartsWith(RegionPrefix + ".", StringComparison.Ordinal)))
            && (Reach.IsEverywhere || villages.Any(Reach.Covers));
        var inProgram = Program == SocialProgram.Unspecified || stored.Data switch
        {
            ProgramEnrolled enrolled => enrolled.Membership.Program == Program,
            ProgramExited exited => exited.Program == Program,
            _ => timeline?.InProgramAt(Program, stored.Version) == true,
        };
        return inRegion && inProgram;
    }
}

/// <summary>
/// Where a household lived and which programs it was enrolled in, version by version, from the
/// events of its stream that say so.
/// </summary>
internal sealed class HouseholdTimeline
{
    /// <summary>The events a timeline is made of; the feed reads only these for the streams of a page.</summary>
    public static readonly Type[] EventTypes = [typeof(HouseholdProposed), typeof(SplitOff), typeof(AddressChanged), typeof(ProgramEnrolled), typeof(ProgramExited)];

    private readonly List<(long Version, string Village)> villages = [];
    private readonly List<(long Version, SocialProgram Program, bool Enrolled)> programs = [];

    /// <summary>Adds the stream's events, in version order.</summary>
    public HouseholdTimeline Add(IEvent stored)
    {
        switch (stored.Data)
        {
            case HouseholdProposed proposed:
                villages.Add((stored.Version, proposed.VillageCode));
                break;
            case SplitOff formed:
                villages.Add((stored.Version, formed.VillageCode));
                break;
            case AddressChanged moved:
                villages.Add((stored.Version, moved.VillageCode));
                break;
            case ProgramEnrolled enrolled:
                programs.Add((stored.Version, enrolled.Membership.Program, true));
                break;
            case ProgramExited exited:
                programs.Add((stored.Version, exited.Program, false));
                break;
        }

        return this;
    }

    public string? VillageAt(long version) => villages.LastOrDefault(entry => entry.Version <= version).Village;

    /// <summary>
    /// Where an event happened: the village it names (a move names both ends), or else where the
    /// household lived at the event's version.
    /// </summary>
    public static IReadOnlyList<string> PlacesOf(IEvent stored, HouseholdTimeline? timeline) => stored.Data switch
    {
        HouseholdProposed proposed => [proposed.VillageCode],
        AddressChanged moved => [moved.VillageCode, moved.PreviousVillageCode],
        SplitOff formed => [formed.VillageCode],
        _ => timeline?.VillageAt(stored.Version) is { } village ? [village] : [],
    };

    public bool InProgramAt(SocialProgram program, long version) =>
        programs.LastOrDefault(entry => entry.Version <= version && entry.Program == program).Enrolled;
}

/// <summary>One step of a feed: a change (with its checkpoint) or, after changes the filter left out, only a checkpoint.</summary>
internal sealed record FeedItem(long Checkpoint, IEvent? Change);

/// <summary>
/// Reads the global event log in sequence order, never beyond what the change-feed subscription
/// has safely passed (so a commit still in flight with a lower sequence can never be skipped), and
/// waits for the subscription to move on when it has caught up.
/// </summary>
internal sealed class ChangeFeedReader(IDocumentStore store, ChangeFeedSignal signal)
{
    private const int PageSize = 500;

    /// <summary>A checkpoint beyond every event stored is none the feed ever returned (from another store, or made up).</summary>
    public async Task<bool> IsBeyondEveryChangeAsync(long checkpoint, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return checkpoint > await EventStreams.HighestSequenceAsync(session, cancellationToken);
    }

    public async IAsyncEnumerable<FeedItem> ReadAsync(long after, FeedFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cursor = after;
        while (!cancellationToken.IsCancellationRequested)
        {
            var safe = signal.SafeSequence;
            if (safe <= cursor)
            {
                await signal.WaitBeyondAsync(cursor, cancellationToken);
                continue;
            }

            await using var session = store.QuerySession();
            var from = cursor;
            var page = await session.Events.QueryAllRawEvents()
                .Where(stored => stored.Sequence > from && stored.Sequence <= safe)
                .OrderBy(stored => stored.Sequence)
                .Take(PageSize)
                .ToListAsync(cancellationToken);
            var timelines = filter.IsEmpty ? [] : await TimelinesAsync(session, page, cancellationToken);
            var delivered = cursor;
            foreach (var stored in page)
            {
                cursor = stored.Sequence;
                if (stored.Data is IHouseholdEvent && filter.Matches(stored, timelines.GetValueOrDefault(stored.StreamId)))
                {
                    delivered = stored.Sequence;
                    yield return new FeedItem(stored.Sequence, stored);
                }
            }

            if (page.Count < PageSize)
            {
                cursor = safe;
            }

            if (cursor > delivered)
            {
                yield return new FeedItem(cursor, null);
            }
        }
    }

    private static async Task<Dictionary<Guid, HouseholdTimeline>> TimelinesAsync(IQuerySession session, IReadOnlyList<IEvent> page, CancellationToken cancellationToken)
    {
        var streams = page.Select(stored => stored.StreamId).Distinct().ToArray();
        var events = await session.Events.QueryAllRawEvents()
            .Where(stored => streams.Contains(stored.StreamId) && stored.EventTypesAre(HouseholdTimeline.EventTypes))
            .OrderBy(stored => stored.Sequence)
            .ToListAsync(cancellationToken);
        var timelines = new Dictionary<Guid, HouseholdTimeline>();
        foreach (var stored in events)
        {
            (timelines.TryGetValue(stored.StreamId, out var timeline) ? timeline : timelines[stored.StreamId] = new HouseholdTimeline()).Add(stored);
        }

        return timelines;
    }
}
