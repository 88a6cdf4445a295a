using Interop.Hub.Partners;
using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Storage;
using Marten;

namespace Interop.Hub.Registry.Conflicts;

/// <summary>The steward's decision on a conflict case.</summary>
internal sealed record ResolveConflictCommand(Guid CaseId, ConflictResolution Resolution, string IdempotencyKey, string Reason, string? EvidenceReference, Actor Actor);

/// <summary>
/// Resolves a conflict case: loads the case and the households it names as they are now, lets
/// <see cref="ConflictRules"/> decide, and stores the decision on the case and, as events, on every
/// household it touches, in one transaction that checks each stream's version.
/// </summary>
internal sealed class ConflictResolutions(IDocumentStore store)
{
    public async Task<ResolutionOutcome> ResolveAsync(ResolveConflictCommand command, string contentHash, CancellationToken cancellationToken)
    {
        if (ConflictRules.Validate(command) is { Count: > 0 } violations)
        {
            return new ResolutionOutcome.Invalid(violations);
        }

        await using var session = store.LightweightSession();
        var receiptId = ChangeReceipt.IdFor(command.Actor.PartnerId, command.IdempotencyKey);
        if (await session.LoadAsync<ChangeReceipt>(receiptId, cancellationToken) is { } receipt)
        {
            return receipt.ContentHash == contentHash
                ? new ResolutionOutcome.Done((await session.Events.AggregateStreamAsync<ConflictCase>(receipt.HouseholdId, receipt.Version, token: cancellationToken))!)
                : new ResolutionOutcome.KeyTaken(receipt.HouseholdId);
        }

        // The households a case names never change once it is open.
        if (await session.LoadAsync<ConflictCase>(command.CaseId, cancellationToken) is not { } opened)
        {
            return new ResolutionOutcome.NotFound();
        }

        // Read for writing: what is decided below is appended only if the case and every household it
        // touches are still at these versions when it commits. Marten numbers a commit's events stream
        // by stream in the order the streams were fetched, so they are fetched in the order the
        // resolution writes: a person leaves the old household before the proposal holding them is
        // cleared; a duplicate points at its survivor before the survivor records it; the case last.
        var households = await StreamWrites.FetchManyAsync<Household>(
            session,
            command.Resolution == ConflictResolution.MoveMembers
                ? [.. opened.ExistingHouseholdIds, opened.ProposedHouseholdId]
                : [opened.ProposedHouseholdId, .. opened.ExistingHouseholdIds],
            cancellationToken);
        var caseStream = await StreamWrites.FetchAsync<ConflictCase>(session, command.CaseId, cancellationToken);
        if (caseStream?.Aggregate is not { } conflict)
        {
            return new ResolutionOutcome.NotFound();
        }

        var proposed = households.GetValueOrDefault(conflict.ProposedHouseholdId)?.Aggregate;
        var existing = conflict.ExistingHouseholdIds.Select(id => households.GetValueOrDefault(id)?.Aggregate).ToList();

        var cardHolder = proposed is null ? null : await FamilyCardRegistration.HolderAsync(session, proposed.FamilyCardNumber, cancellationToken);
        var memberHolders = proposed is null ? null : await NikRegistration.HoldersAsync(session, proposed.Members.Select(member => member.Nik), cancellationToken);
        var decision = ConflictRules.Decide(command, conflict, proposed, existing, cardHolder, memberHolders);
        if (decision is ResolutionDecision.NotAllowed notAllowed)
        {
            return new ResolutionOutcome.NotAllowed(notAllowed.Subject, notAllowed.Reason);
        }

        var accepted = (ResolutionDecision.Accepted)decision;
        UniqueKeys.Queue(session, ConflictRules.KeyChanges(command.Resolution, proposed!, accepted, memberHolders!));
        foreach (var (household, change) in accepted.Appends)
        {
            households[household.Id].AppendOne(change);
        }

        caseStream.AppendOne(accepted.Resolved);
        session.Insert(new ChangeReceipt(receiptId, conflict.Id, contentHash, caseStream.CurrentVersion ?? conflict.Version));
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception exception) when (LostRace.Is(exception))
        {
            return new ResolutionOutcome.Stale();
        }

        return new ResolutionOutcome.Done((await session.Events.FetchLatest<ConflictCase>(conflict.Id, cancellationToken))!);
    }
}

internal abstract record ResolutionOutcome
{
    public sealed record Done(ConflictCase Case) : ResolutionOutcome;

    public sealed record Invalid(IReadOnlyList<FieldIssue> Violations) : ResolutionOutcome;

    /// <summary>FAILED_PRECONDITION, naming the household or case whose state says why.</summary>
    public sealed record NotAllowed(Guid Subject, string Reason) : ResolutionOutcome;

    public sealed record NotFound : ResolutionOutcome;

    public sealed record Stale : ResolutionOutcome;

    public sealed record KeyTaken(Guid CaseId) : ResolutionOutcome;
}
