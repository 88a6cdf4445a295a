using Interop.Hub.Disbursements.Entitlements;
using Interop.Hub.Registry;
using Interop.Hub.Storage;
using Marten;

namespace Interop.Hub.Disbursements.Batches;

/// <summary>
/// The handler of the steward's batch commands: issue (the lines computed from the registry as it
/// stood at the cut-off, stored with the batch in one transaction), seal (only on exact control
/// totals, only once), cancel a line (with a reason, while the bank has not paid it).
/// </summary>
internal sealed class BatchIssuing(IDocumentStore store, TimeProvider clock, ILogger<BatchIssuing> logger)
{
    /// <summary>Households read and decided at a time while issuing.</summary>
    private const int Page = 1_000;

    public async Task<BatchOutcome> IssueAsync(IssueBatch command, CancellationToken cancellationToken)
    {
        if (BatchChecks.Check(command, clock.GetUtcNow()) is { Count: > 0 } violations)
        {
            return new BatchOutcome.Invalid(violations);
        }

        var batchId = BatchChecks.BatchIdOf(command.Reference);
        var round = new ProgrammeStage(command.Programme, command.Year, command.Stage);
        var cutOff = command.CutOff!.Value;
        try
        {
            await using var session = store.LightweightSession();
            await session.BeginTransactionAsync(cancellationToken);
            // One batch of a round issued at a time: what an earlier one paid is seen by the next.
            await DisbursementLines.LockRoundAsync(session, round, cancellationToken);
            if (await session.LoadAsync<DisbursementBatch>(batchId, cancellationToken) is { } existing)
            {
                return Replayed(existing, command);
            }

            var issue = new LineIssue(
                round,
                batchId,
                await DisbursementLines.HouseholdsPaidInAsync(session, round, cancellationToken),
                await DisbursementLines.RecipientsPaidInAsync(session, round, cancellationToken));
            var candidates = await HouseholdQueries.EnrolledOrChangedSinceAsync(session, round.Programme, cutOff, cancellationToken);
            foreach (var page in candidates.Chunk(Page))
            {
                var households = await HouseholdQueries.AtAsync(session, page, cutOff, cancellationToken);
                var issued = issue.Add(households, (household, recipient) => household.PaidAccountOf(recipient.Nik) is { AccountNumber: { } number } account ? new PaymentAccount(account.Bank, number) : null);
                await DisbursementLines.CopyLinesAsync(session, batchId, round, issued.Lines, cancellationToken);
                await DisbursementLines.CopyLeftOutAsync(session, batchId, issued.LeftOut, cancellationToken);
            }

            var totals = issue.Totals;
            await StreamWrites.StartAsync<DisbursementBatch>(
                session,
                batchId,
                [new BatchIssued(command.Reference, round.Programme, round.Year, round.Stage, cutOff, command.PaymentDeadline!.Value, totals.LineCount, totals.Amount, issue.LeftOutCount, command.RequestHash, command.Actor, command.Reason)],
                cancellationToken);
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception exception) when (LostRace.Is(exception))
        {
            // The same reference issued at the same moment by another call: its batch answers this one.
            await using var reader = store.QuerySession();
            if (await reader.LoadAsync<DisbursementBatch>(batchId, cancellationToken) is { } winner)
            {
                return Replayed(winner, command);
            }

            throw;
        }

        // A batch's lines are a bulk load: the planner is told of them before banks read and confirm them.
        await DisbursementStatistics.RefreshLinesAsync(store, logger, cancellationToken);
        return new BatchOutcome.Done(await LoadAsync(batchId, cancellationToken));
    }

    public async Task<BatchOutcome> SealAsync(SealBatch command, CancellationToken cancellationToken)
    {
        if (BatchChecks.Check(command) is { Count: > 0 } violations)
        {
            return new BatchOutcome.Invalid(violations);
        }

        await using var session = store.LightweightSession();
        if (await StreamWrites.FetchAsync<DisbursementBatch>(session, command.BatchId, cancellationToken) is not { } stream)
        {
            return new BatchOutcome.NotFound("batch_id");
        }

        var batch = stream.Aggregate!;
        // Counted from the stored lines, not taken from the issue event: what is sealed is what the banks will be sent.
        var actual = await DisbursementLines.TotalsAsync(session, batch.Id, cancellationToken);
        switch (BatchRules.Seal(command.Declared, actual, batch.Status == BatchStatus.Sealed))
        {
            case SealDecision.Refused refused when batch.Status == BatchStatus.Sealed:
                return batch.Totals == command.Declared ? new BatchOutcome.Done(batch) : new BatchOutcome.NotAllowed(refused.Reason);
            case SealDecision.Refused refused:
                return new BatchOutcome.Invalid([new(refused.Field, refused.Reason)]);
            case SealDecision.Sealed sealedTotals:
                stream.AppendOne(new BatchSealed(sealedTotals.Totals.LineCount, sealedTotals.Totals.Amount, command.Actor, command.Reason));
                BankInstructions.Release(session, batch.Id);
                // A death, deactivation or merge between the cut-off and now holds its lines from the start.
                LineHolds.HoldChangedSince(session, batch.Id, batch.CutOff, command.Actor);
                try
                {
                    await session.SaveChangesAsync(cancellationToken);
                }
                catch (Exception exception) when (LostRace.Is(exception))
                {
                    // Sealed meanwhile by another call (a retry): the same totals answer it, others are refused.
                    var now = await LoadAsync(batch.Id, cancellationToken);
                    return now.Status == BatchStatus.Sealed && now.Totals == command.Declared
                        ? new BatchOutcome.Done(now)
                        : new BatchOutcome.NotAllowed("the batch changed while it was being sealed; read it again");
                }

                return new BatchOutcome.Done(await LoadAsync(batch.Id, cancellationToken));
            default:
                throw new InvalidOperationException("Unknown seal decision.");
        }
    }

    public async Task<BatchOutcome> CancelLineAsync(CancelLine command, CancellationToken cancellationToken)
    {
        if (BatchChecks.Check(command) is { Count: > 0 } violations)
        {
            return new BatchOutcome.Invalid(violations);
        }

        await using var session = store.LightweightSession();
        if (await StreamWrites.FetchAsync<DisbursementBatch>(session, command.BatchId, cancellationToken) is not { } stream)
        {
            return new BatchOutcome.NotFound("batch_id");
        }

        var batch = stream.Aggregate!;
        if (batch.Status != BatchStatus.Sealed)
        {
            return new BatchOutcome.NotAllowed("the batch is not sealed: an unsealed batch is corrected by issuing another, not by cancelling its lines");
        }

        if (await DisbursementLines.OneAsync(session, batch.Id, command.LineNumber, cancellationToken) is null)
        {
            return new BatchOutcome.NotFound("line_number");
        }

        var events = await PaymentEvents.OfLineAsync(session, batch.Id, command.LineNumber, cancellationToken);
        if (events.Any(change => change.Kind == PaymentEvents.Cancelled))
        {
            return new BatchOutcome.Done(batch);
        }

        var status = events.Where(change => change.Kind == PaymentEvents.Applied).Select(change => change.Confirmation!.Status).LastOrDefault();
        if (BatchRules.CancellationProblem(status, command.Reason) is { } problem)
        {
            return new BatchOutcome.NotAllowed(problem);
        }

        // The feed's writer first, as every writer of feeds takes it (a hold of the same line waits, never deadlocks);
        // then after the line's last event: a confirmation stored meanwhile takes the number first, and this commit loses.
        BankInstructions.Serialize(session);
        stream.AppendOne(new LineCancelled(command.LineNumber, command.Actor, command.Reason));
        PaymentEvents.AppendCancellation(session, batch.Id, command.LineNumber, events.Count == 0 ? 0 : events[^1].LineVersion, command.Reason, command.Actor);
        // The bank is told in the hub's words: the steward's reason is free text, which may name people.
        BankInstructions.Cancel(session, batch.Id, command.LineNumber, "the steward cancelled the line: do not pay it");
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception exception) when (LostRace.Is(exception))
        {
            throw new ConcurrentChangeException("The line changed while it was being cancelled (a confirmation arrived); read it again.", exception);
        }

        return new BatchOutcome.Done(await LoadAsync(batch.Id, cancellationToken));
    }

    private static BatchOutcome Replayed(DisbursementBatch existing, IssueBatch command) =>
        existing.RequestHash == command.RequestHash ? new BatchOutcome.Done(existing) : new BatchOutcome.ReferenceTaken(existing.Id);

    private async Task<DisbursementBatch> LoadAsync(Guid batchId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<DisbursementBatch>(batchId, cancellationToken) ?? throw new InvalidOperationException("A batch just stored cannot be read.");
    }
}
