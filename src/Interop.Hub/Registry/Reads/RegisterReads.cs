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
internal sealed class RegisterReads(IQuerySession session)
{
    public async Task<HouseholdRead> HouseholdAsync(Guid id, AsOf asOf, CancellationToken cancellationToken)
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
                ? new HouseholdRead.Found((await session.Events.AggregateStreamAsync<Household>(id, version, token: cancellationToken))!)
                : new HouseholdRead.BeyondLatest(latest);
        }

        return await session.Events.AggregateStreamAsync<Household>(id, timestamp: asOf.Moment, token: cancellationToken) is { } then
            ? new HouseholdRead.Found(then)
            : new HouseholdRead.NotYet();
    }

    /// <summary>
    /// Every event of the household in the order it happened, with those of the duplicates merged
    /// into it (a survivor keeps their history); null when no household has the id.
    /// </summary>
    public async Task<IReadOnlyList<IEvent>?> HistoryAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await EventStreams.IsAsync<Household>(session, id, cancellationToken))
        {
            return null;
        }

        var events = (await session.Events.FetchStreamAsync(id, token: cancellationToken)).ToList();
        if (events.Count == 0)
        {
            return null;
        }

        foreach (var merged in events.Select(e => e.Data).OfType<DuplicateMerged>().ToList())
        {
            events.AddRange(await session.Events.FetchStreamAsync(merged.MergedHouseholdId, token: cancellationToken));
        }

        return events.OrderBy(e => e.Sequence).ToList();
    }

    public Task<ConflictCase?> ConflictCaseAsync(Guid id, CancellationToken cancellationToken) => session.LoadAsync<ConflictCase>(id, cancellationToken);
}
