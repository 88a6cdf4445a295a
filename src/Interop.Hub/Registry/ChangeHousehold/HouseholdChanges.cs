using Interop.ReferenceData;
using Interop.Hub.Registry.Conflicts;
using Interop.Hub.Storage;
using JasperFx.Events;
using Marten;

namespace Interop.Hub.Registry.ChangeHousehold;

/// <summary>
/// Applies one lifecycle step: idempotent under the partner's key, and appended only if the
/// household is still at the version the partner based the change on.
/// </summary>
internal sealed class HouseholdChanges(IDocumentStore store, RegionTable regions, TimeProvider clock)
{
    public async Task<ChangeOutcome> ApplyAsync(ChangeHouseholdCommand command, string contentHash, CancellationToken cancellationToken)
    {
        // The key, reason and evidence are checked before the key is looked up: nothing the partner
        // sent reaches storage unchecked.
        if (ChangeRules.CheckEnvelope(command) is { Count: > 0 } violations)
        {
            return new ChangeOutcome.Decided(new ChangeDecision.Invalid(violations));
        }

        await using var session = store.LightweightSession();
        var receiptId = ChangeReceipt.IdFor(command.Actor.PartnerId, command.IdempotencyKey);
        if (await session.LoadAsync<ChangeReceipt>(receiptId, cancellationToken) is { } receipt)
        {
            if (receipt.ContentHash != contentHash)
            {
                return new ChangeOutcome.KeyTaken(receipt.HouseholdId);
            }

            // A replay shows the household as the change left it, if that lies within the partner's reach.
            var replayed = await AsOfAsync(session, receipt.HouseholdId, receipt.Version, cancellationToken);
            return ChangeRules.OutsideReach(command, replayed) is { } beyond
                ? new ChangeOutcome.Decided(beyond)
                : new ChangeOutcome.Done(replayed, receipt.PendingChangeId, receipt.NewHouseholdId);
        }

        // Read for writing: what is decided below is appended only if the household is still at this version when it commits.
        var stream = await StreamWrites.FetchAsync<Household>(session, command.HouseholdId, cancellationToken);
        if (stream?.Aggregate is not { } current)
        {
            return new ChangeOutcome.NotFound();
        }

        // Nothing about a household beyond the partner's reach is told, not even its version.
        if (ChangeRules.OutsideReach(command, current) is { } outside)
        {
            return new ChangeOutcome.Decided(outside);
        }

        if (current.Version != command.ExpectedVersion)
        {
            return new ChangeOutcome.Stale(current.Version);
        }

        IEventStream<Household>? otherStream = null;
        Household? other = null;
        if (command.Change is HouseholdChange.Merge merge && Guid.TryParse(merge.OtherHouseholdId, out var otherId) && otherId != command.HouseholdId)
        {
            otherStream = await StreamWrites.FetchAsync<Household>(session, otherId, cancellationToken);
            if (otherStream?.Aggregate is null)
            {
                return new ChangeOutcome.NotFound("merge_household.other_household_id");
            }

            other = otherStream.Aggregate;
            if (ChangeRules.OutsideReach(command, other) is { } otherOutside)
            {
                return new ChangeOutcome.Decided(otherOutside);
            }

            if (other.Version != merge.OtherExpectedVersion)
            {
                return new ChangeOutcome.Stale(other.Version, otherId);
            }
        }

        var decision = ChangeRules.Decide(command, current, new ChangeContext(DecisionContext.At(clock), regions, other));
        if (decision is not ChangeDecision.Accepted accepted)
        {
            return new ChangeOutcome.Decided(decision);
        }

        var (niks, cards) = KeyRules.Lookups(current, accepted);
        var keys = KeyRules.Decide(
            current,
            accepted,
            await NikRegistration.HoldersAsync(session, niks, cancellationToken),
            await FamilyCardRegistration.HoldersAsync(session, cards, cancellationToken));
        if (keys is KeyDecision.Refused refused)
        {
            return new ChangeOutcome.Decided(new ChangeDecision.NotAllowed(refused.Reason));
        }

        UniqueKeys.Queue(session, ((KeyDecision.Changes)keys).Steps);

        // A proposal held in a conflict case and rejected here settles the case in the same transaction.
        if (current.OpenConflictCaseId is { } caseId && accepted.Events.OfType<ProposalRejected>().FirstOrDefault() is { } rejected
            && await StreamWrites.FetchAsync<ConflictCase>(session, caseId, cancellationToken) is { Aggregate.IsOpen: true } conflict)
        {
            conflict.AppendOne(ConflictRules.Settled(rejected));
        }

        stream.AppendMany(accepted.Events);
        foreach (var write in accepted.Others)
        {
            if (write.ReadVersion is null)
            {
                await StreamWrites.StartAsync<Household>(session, write.HouseholdId, write.Events.Cast<object>(), cancellationToken);
            }
            else
            {
                // The other household of a merge, read for writing above.
                (otherStream ?? throw new InvalidOperationException("A write to another household that was not read for writing.")).AppendMany(write.Events);
            }
        }

        session.Insert(new ChangeReceipt(
            receiptId, command.HouseholdId, contentHash, stream.CurrentVersion ?? current.Version, accepted.PendingChangeId, accepted.NewHouseholdId));
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception exception) when (LostRace.Is(exception))
        {
            return new ChangeOutcome.Stale(null);
        }

        return new ChangeOutcome.Done((await session.Events.FetchLatest<Household>(command.HouseholdId, cancellationToken))!, accepted.PendingChangeId, accepted.NewHouseholdId);
    }

    private static async Task<Household> AsOfAsync(IDocumentSession session, Guid householdId, long version, CancellationToken cancellationToken) =>
        (await session.Events.AggregateStreamAsync<Household>(householdId, version, token: cancellationToken))!;

}

/// <summary>What the hub answered when a partner first used an idempotency key for a change.</summary>
internal sealed record ChangeReceipt(string Id, Guid HouseholdId, string ContentHash, long Version, Guid? PendingChangeId = null, Guid? NewHouseholdId = null)
{
    public static string IdFor(string partnerId, string idempotencyKey) => $"{partnerId}/{idempotencyKey}";
}

internal abstract record ChangeOutcome
{
    /// <summary>The change is stored (now, or earlier under the same key); the household as it stood right after it, and the change's id when it waits for approval.</summary>
    public sealed record Done(Household Household, Guid? PendingChangeId, Guid? NewHouseholdId = null) : ChangeOutcome;

    public sealed record Decided(ChangeDecision Decision) : ChangeOutcome;

    /// <summary>No household has the id in that field.</summary>
    public sealed record NotFound(string Field = "household_id") : ChangeOutcome;

    /// <summary>The household (or, for a merge, the other household) is no longer at the expected version (its current one, when known).</summary>
    public sealed record Stale(long? CurrentVersion, Guid? OtherHouseholdId = null) : ChangeOutcome;

    public sealed record KeyTaken(Guid HouseholdId) : ChangeOutcome;
}
