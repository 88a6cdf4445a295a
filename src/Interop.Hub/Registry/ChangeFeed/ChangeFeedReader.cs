using System.Runtime.CompilerServices;
using JasperFx.Events;
using Marten;

namespace Interop.Hub.Registry.ChangeFeed;

/// <summary>Which changes a feed delivers.</summary>
internal sealed record FeedFilter(string RegionPrefix, SocialProgram Program)
{
    public bool IsEmpty => RegionPrefix.Length == 0 && Program == SocialProgram.Unspecified;

    /// <summary>Matches against the event itself where it says where or what, else against the household's current state.</summary>
    public bool Matches(IEvent stored, Household? household)
    {
        var villages = stored.Data switch
        {
            HouseholdProposed proposed => [proposed.VillageCode],
            AddressChanged moved => [moved.VillageCode, moved.PreviousVillageCode],
            SplitOff formed => [formed.VillageCode],
            _ => household is null ? Array.Empty<string>() : [household.VillageCode],
        };
        var inRegion = RegionPrefix.Length == 0 || villages.Any(village => village == RegionPrefix || village.StartsWith(RegionPrefix + ".", StringComparison.Ordinal));
        var inProgram = Program == SocialProgram.Unspecified || stored.Data switch
        {
            ProgramEnrolled enrolled => enrolled.Membership.Program == Program,
            ProgramExited exited => exited.Program == Program,
            _ => household?.Programs.Any(membership => membership.Program == Program) == true,
        };
        return inRegion && inProgram;
    }
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
            var households = filter.IsEmpty
                ? new Dictionary<Guid, Household>()
                : (await session.LoadManyAsync<Household>(cancellationToken, page.Select(stored => stored.StreamId).Distinct())).ToDictionary(household => household.Id);
            var delivered = cursor;
            foreach (var stored in page)
            {
                cursor = stored.Sequence;
                if (stored.Data is IHouseholdEvent && filter.Matches(stored, households.GetValueOrDefault(stored.StreamId)))
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
}
