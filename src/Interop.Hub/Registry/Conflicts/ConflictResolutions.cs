using Interop.Hub.Partners;
using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Storage;
using Marten;

namespace Interop.Hub.Registry.Conflicts;

/// <summary>The steward's decision on a conflict case.</summary>
internal sealed record ResolveConflictCommand(Guid CaseId, ConflictResolution Resolution, string IdempotencyKey, string Reason, string? EvidenceReference, Actor Actor);

/// <summary>
/// Resolves a conflict case: the decision is recorded on the case and, as events, on every household
/// it touches, in one transaction that checks each stream's version.
/// </summary>
internal sealed class ConflictResolutions(IDocumentStore store)
{
    public async Task<ResolutionOutcome> ResolveAsync(ResolveConflictCommand command, string contentHash, CancellationToken cancellationToken)
    {
        var violations = new List<FieldIssue>();
        ProposalRules.RequireText(violations, "reason", command.Reason, ProposalRules.MaxReasonLength);
        ProposalRules.RequireText(violations, "idempotency_key", command.IdempotencyKey, ChangeRules.MaxIdempotencyKeyLength);
        if (command.Resolution == ConflictResolution.Unspecified)
        {
            violations.Add(new("resolution", "is required"));
        }

        if (violations.Count > 0)
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

        var conflict = await session.Events.FetchLatest<ConflictCase>(command.CaseId, cancellationToken);
        if (conflict is null)
        {
            return new ResolutionOutcome.NotFound();
        }

        if (!conflict.IsOpen)
        {
            return new ResolutionOutcome.NotAllowed($"The case was already resolved ({conflict.Resolution}).");
        }

        var proposed = (await session.Events.FetchLatest<Household>(conflict.ProposedHouseholdId, cancellationToken))!;
        var existing = new List<Household>();
        foreach (var id in conflict.ExistingHouseholdIds)
        {
            existing.Add((await session.Events.FetchLatest<Household>(id, cancellationToken))!);
        }

        var reason = command.Reason.Trim();
        var appends = new List<(Household Household, IHouseholdEvent Change)>();
        switch (command.Resolution)
        {
            case ConflictResolution.MergeIntoExisting:
                if (existing.Count != 1)
                {
                    return new ResolutionOutcome.NotAllowed("The NIKs are active in several households: a merge needs exactly one survivor; move the members instead.");
                }

                appends.Add((proposed, new MergedInto(existing[0].Id, conflict.Id, command.Actor, reason, command.EvidenceReference)));
                appends.Add((existing[0], new DuplicateMerged(proposed.Id, conflict.Id, command.Actor, reason, command.EvidenceReference)));
                // A likely duplicate's own NIKs were registered; the people are the survivor's now.
                NikRegistration.Release(session, proposed.Id, proposed.Members.Select(member => member.Nik));
                break;
            case ConflictResolution.MoveMembers when conflict.Kind == ConflictKind.LikelyDuplicate:
                return new ResolutionOutcome.NotAllowed("Likely duplicates share no NIK that could move: merge the households, mark them distinct, or reject the proposal.");
            case ConflictResolution.MarkDistinct when conflict.Kind == ConflictKind.NikInUse:
                return new ResolutionOutcome.NotAllowed("One NIK cannot be two people: merge the households, move the members, or reject the proposal.");
            case ConflictResolution.MarkDistinct:
                appends.Add((proposed, new ConflictCleared(conflict.Id, command.Actor, reason, command.EvidenceReference)));
                break;
            case ConflictResolution.MoveMembers:
                foreach (var household in existing)
                {
                    foreach (var member in household.Members.Where(member => conflict.Niks.Contains(member.Nik)))
                    {
                        if (member.Relationship == Relationship.Head)
                        {
                            return new ResolutionOutcome.NotAllowed($"A moving member is the head of household {household.Id}: that household must name a new head first.");
                        }

                        appends.Add((household, new MemberRemoved(member.Nik, command.Actor, $"moved to household {proposed.Id}: {reason}", command.EvidenceReference)));
                    }

                    NikRegistration.Release(session, household.Id, conflict.Niks);
                }

                appends.Add((proposed, new ConflictCleared(conflict.Id, command.Actor, reason, command.EvidenceReference)));
                NikRegistration.Register(session, proposed.Id, proposed.VillageCode, proposed.Members);
                break;
            case ConflictResolution.RejectProposal:
                appends.Add((proposed, new ProposalRejected(command.Actor, reason, command.EvidenceReference)));
                NikRegistration.Release(session, proposed.Id, proposed.Members.Select(member => member.Nik));
                break;
        }

        foreach (var group in appends.GroupBy(append => append.Household.Id))
        {
            var household = group.First().Household;
            session.Events.Append(household.Id, household.Version + group.Count(), group.Select(append => (object)append.Change).ToArray());
        }

        session.Events.Append(conflict.Id, conflict.Version + 1, new ConflictCaseResolved(command.Resolution, command.Actor, reason, command.EvidenceReference));
        session.Insert(new ChangeReceipt(receiptId, conflict.Id, contentHash, conflict.Version + 1));
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

    public sealed record NotAllowed(string Reason) : ResolutionOutcome;

    public sealed record NotFound : ResolutionOutcome;

    public sealed record Stale : ResolutionOutcome;

    public sealed record KeyTaken(Guid CaseId) : ResolutionOutcome;
}
