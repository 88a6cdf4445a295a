using System.Buffers.Binary;
using Interop.Hub.Audit.Log;
using Interop.Hub.Storage;
using JasperFx.Events;
using Marten;

namespace Interop.Hub.Registry.Reads;

/// <summary>
/// A household as it stood at a past version or moment, folded from its events by the aggregate's
/// own Create/Apply. Every <see cref="Interval"/> versions the state is kept beside the events
/// (<see cref="HouseholdStates"/>), sealed with the hub's signing key, so a read folds at most that
/// many events onto the nearest kept state before its point instead of the whole stream. The first
/// read that passes such a version keeps it. A kept state whose seal does not verify (edited behind
/// the hub's back, or sealed with a key since rotated) is passed over: the read folds from the first
/// event and keeps the state again; so is one kept by another build of the hub, whose fold may
/// differ. The events stay the record; a kept state only saves work.
/// </summary>
internal sealed class PastHouseholds(IDocumentStore store, CheckpointSigner signer, ILogger<PastHouseholds> logger)
{
    /// <summary>Versions between kept states: a read folds fewer events than this after the nearest.</summary>
    public const int Interval = 16;

    /// <summary>The household after <paramref name="version"/> (or its latest), as of <paramref name="moment"/> (or now); null when it had no event by then.</summary>
    public async Task<Household?> AtAsync(IQuerySession session, Guid householdId, long? version, DateTimeOffset? moment, CancellationToken cancellationToken)
    {
        Household? state = null;
        var folded = 0L;
        if (await HouseholdStates.NearestAsync(store, householdId, version, moment, cancellationToken) is { } kept)
        {
            if (signer.IsSealed(Content(householdId, kept.Version, kept.At, kept.Json), kept.Seal))
            {
                state = store.Options.Serializer().FromJson<Household>(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(kept.Json)));
                folded = kept.Version;
            }
            else
            {
                // After a new build or a key rotation every kept state is so; one edited behind the hub's back too.
                logger.LogInformation("A household's state kept at version {Version} does not carry this build's seal; folding from the first event and keeping it again", kept.Version);
            }
        }

        if (version == folded && state is not null)
        {
            return state;
        }

        var events = await session.Events.FetchStreamAsync(householdId, version ?? 0, moment, folded + 1, cancellationToken);
        var aggregator = ((StoreOptions)store.Options).Projections.AggregatorFor<Household>();
        var keeping = new List<KeptState>();
        var start = 0;
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Version % Interval == 0 || i == events.Count - 1)
            {
                state = await aggregator.BuildAsync(Slice(events, start, i + 1), session, state, cancellationToken);
                start = i + 1;
                // Kept only a state folded from every version before it (a moment's fold could pass over one).
                if (events[i].Version % Interval == 0 && state is not null && events[i].Version == folded + i + 1)
                {
                    keeping.Add(Kept(householdId, events[i], state));
                }
            }
        }

        if (keeping.Count > 0)
        {
            try
            {
                await HouseholdStates.KeepAsync(store, householdId, keeping, cancellationToken);
            }
            catch (Npgsql.NpgsqlException error) when (!cancellationToken.IsCancellationRequested)
            {
                // Keeping only saves later reads work: the read answers all the same.
                logger.LogWarning("A household's states could not be kept ({Reason}); later reads fold from the first event", error is Npgsql.PostgresException refused ? refused.SqlState : error.GetType().Name);
            }
        }

        return state;
    }

    /// <summary>
    /// The build that folds: a state kept by another build of the hub (whose Create/Apply, upcasters or
    /// serializer may differ) does not carry this build's seal, and is folded and kept again.
    /// </summary>
    private static readonly Guid Build = typeof(Household).Assembly.ManifestModule.ModuleVersionId;

    /// <summary>What a seal covers: the build, the household, the version, the moment of its event (to the microsecond, as stored) and the state's bytes.</summary>
    private static byte[] Content(Guid householdId, long version, DateTimeOffset at, string json)
    {
        var text = System.Text.Encoding.UTF8.GetBytes(json);
        var content = new byte[16 + 16 + 8 + 8 + text.Length];
        Build.TryWriteBytes(content.AsSpan(0, 16), bigEndian: true, out _);
        householdId.TryWriteBytes(content.AsSpan(16, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(content.AsSpan(32), version);
        BinaryPrimitives.WriteInt64BigEndian(content.AsSpan(40), Microseconds(at));
        text.CopyTo(content.AsSpan(48));
        return content;
    }

    private KeptState Kept(Guid householdId, IEvent after, Household state)
    {
        var at = DateTimeOffset.UnixEpoch.AddTicks(Microseconds(after.Timestamp) * 10);
        var json = store.Options.Serializer().ToJson(state);
        return new KeptState(after.Version, at, json, signer.Seal(Content(householdId, after.Version, at, json)));
    }

    private static long Microseconds(DateTimeOffset moment) => (moment.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static List<IEvent> Slice(IReadOnlyList<IEvent> events, int from, int to) => [.. events.Skip(from).Take(to - from)];
}
