using Interop.Hub.Partners;
using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Storage;
using Interop.Hub.Streaming;
using Interop.ReferenceData;
using Marten;

namespace Interop.Hub.Registry.Reconciliation;

/// <summary>
/// Answers a batch of the civil registry's records against the register and applies its death
/// notices, all of a batch in one transaction. A death already recorded is answered as such and
/// written again never, so a resent stream changes nothing.
/// </summary>
internal sealed class IdentityReconciliation(IDocumentStore store, RegionTable regions, TimeProvider clock)
{
    public static readonly BatchLimits Limits = new(BatchSize: 500, CommitsInFlight: 1);

    /// <summary>Reconciles a stream of records a batch at a time (<see cref="BatchedStream"/>), answering each in the order sent.</summary>
    public Task ReconcileStreamAsync(IAsyncEnumerable<Held<CivilRecord>> records, Actor actor, Func<IReadOnlyList<ReconciliationAnswer>, Task> answer, CancellationToken cancellationToken)
    {
        long position = 0;
        return BatchedStream.ProcessAsync(
            records,
            Limits,
            // Not cancelled with the call: a death notice that was read is recorded even if its sender has gone.
            batch => ReconcileAsync(batch, actor, CancellationToken.None),
            (batch, outcomes) => answer(batch.Select((record, index) => new ReconciliationAnswer(position++, record, outcomes[index])).ToList()),
            cancellationToken);
    }

    public Task<IReadOnlyList<ReconciliationOutcome>> ReconcileAsync(IReadOnlyList<CivilRecord> records, Actor actor, CancellationToken cancellationToken) =>
        LostRace.RetryAsync(() => TryReconcileAsync(records, actor, cancellationToken), "The households of these death notices kept changing at the same time.", cancellationToken);

    private async Task<IReadOnlyList<ReconciliationOutcome>> TryReconcileAsync(IReadOnlyList<CivilRecord> records, Actor actor, CancellationToken cancellationToken)
    {
        var decided = DecisionContext.At(clock);
        var today = decided.Today;
        var checks = records.Select(record => ReconciliationRules.Check(record, regions, today)).ToList();
        var niks = records.Where((_, index) => checks[index].Count == 0).Select(NikOf).Distinct().ToList();

        await using var session = store.LightweightSession();
        var householdOf = await NikRegistration.HoldersAsync(session, niks, cancellationToken);
        var households = (await session.LoadManyAsync<Household>(cancellationToken, householdOf.Values.Distinct()))
            .ToDictionary(household => household.Id);
        await AddHeldAsync(session, niks.Where(nik => !householdOf.ContainsKey(nik)).ToList(), householdOf, households, cancellationToken);
        var deaths = new Dictionary<Guid, List<IHouseholdEvent>>();

        var outcomes = new List<ReconciliationOutcome>(records.Count);
        for (var index = 0; index < records.Count; index++)
        {
            var record = records[index];
            if (checks[index].Count > 0)
            {
                outcomes.Add(new ReconciliationOutcome.Invalid(checks[index]));
                continue;
            }

            if (!householdOf.TryGetValue(NikOf(record), out var householdId) || !households.TryGetValue(householdId, out var household))
            {
                outcomes.Add(new ReconciliationOutcome.Unknown(record is CivilRecord.DeathNotice));
                continue;
            }

            outcomes.Add(record switch
            {
                CivilRecord.Person person => new ReconciliationOutcome.Compared(household.Id, ReconciliationRules.Compare(person, household)),
                CivilRecord.DeathNotice notice => DecideDeath(notice, household, actor, decided, deaths),
                _ => throw new InvalidOperationException("Unchecked civil record."),
            });
        }

        foreach (var (householdId, events) in deaths)
        {
            await StreamWrites.AppendAfterAsync(session, householdId, households[householdId].Version, events, cancellationToken);
        }

        if (deaths.Count > 0)
        {
            await session.SaveChangesAsync(cancellationToken);
        }

        return outcomes;
    }

    /// <summary>
    /// People whose NIK is active nowhere may still be in the register: in a proposal held in a
    /// conflict case (its NIKs are registered only once the steward resolves the case). They are
    /// found through the households' search terms, among households that are not closed; when
    /// several held proposals list the same person, the oldest one answers.
    /// </summary>
    private static async Task AddHeldAsync(
        IDocumentSession session, IReadOnlyList<string> niks, Dictionary<string, Guid> householdOf, Dictionary<Guid, Household> households, CancellationToken cancellationToken)
    {
        if (niks.Count == 0)
        {
            return;
        }

        var held = await HouseholdQueries.OpenListingAnyAsync(session, niks, cancellationToken);
        var wanted = niks.ToHashSet(StringComparer.Ordinal);
        foreach (var household in held)
        {
            foreach (var member in household.Members.Where(member => wanted.Contains(member.Nik)))
            {
                if (householdOf.TryAdd(member.Nik, household.Id))
                {
                    households.TryAdd(household.Id, household);
                }
            }
        }
    }

    private ReconciliationOutcome DecideDeath(
        CivilRecord.DeathNotice notice, Household household, Actor actor, DecisionContext decided, Dictionary<Guid, List<IHouseholdEvent>> deaths)
    {
        var pending = deaths.TryGetValue(household.Id, out var list) ? list : [];
        if (household.Deaths.ContainsKey(notice.Nik) || pending.OfType<MemberDied>().Any(died => died.Nik == notice.Nik))
        {
            return new ReconciliationOutcome.AlreadyRecorded(household.Id, household.Version + pending.Count);
        }

        var decision = ChangeRules.Decide(ReconciliationRules.AsRecordDeath(notice, household, actor), household, new ChangeContext(decided, regions));
        switch (decision)
        {
            case ChangeDecision.Accepted accepted:
                pending.AddRange(accepted.Events);
                deaths[household.Id] = pending;
                return new ReconciliationOutcome.DeathRecorded(household.Id, household.Version + pending.Count);
            case ChangeDecision.NotAllowed notAllowed:
                return new ReconciliationOutcome.NotAllowed(household.Id, notAllowed.Reason);
            case ChangeDecision.Invalid invalid:
                return new ReconciliationOutcome.Invalid(invalid.Violations.Select(v => v with { Field = $"death_notice.{v.Field.Replace("record_death.", string.Empty, StringComparison.Ordinal)}" }).ToList());
            default:
                throw new InvalidOperationException($"The civil registry may record deaths; got {decision.GetType().Name}.");
        }
    }

    private static string NikOf(CivilRecord record) => record switch
    {
        CivilRecord.Person person => person.Nik,
        CivilRecord.DeathNotice notice => notice.Nik,
        _ => string.Empty,
    };
}

internal abstract record ReconciliationOutcome
{
    public sealed record Invalid(IReadOnlyList<FieldIssue> Violations) : ReconciliationOutcome;

    /// <summary>No household has the NIK active, and no open proposal lists it.</summary>
    public sealed record Unknown(bool WasDeathNotice) : ReconciliationOutcome;

    public sealed record Compared(Guid HouseholdId, IReadOnlyList<Discrepancy> Discrepancies) : ReconciliationOutcome;

    public sealed record DeathRecorded(Guid HouseholdId, long Version) : ReconciliationOutcome;

    public sealed record AlreadyRecorded(Guid HouseholdId, long Version) : ReconciliationOutcome;

    /// <summary>The household's state does not allow the death (the death date is before the birth, say).</summary>
    public sealed record NotAllowed(Guid HouseholdId, string Reason) : ReconciliationOutcome;
}

/// <summary>What the hub answers for one record of the civil registry's stream, in the order sent.</summary>
internal sealed record ReconciliationAnswer(long Position, CivilRecord Record, ReconciliationOutcome Outcome);
