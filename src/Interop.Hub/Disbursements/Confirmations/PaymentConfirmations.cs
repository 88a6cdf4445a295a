using Interop.Hub.Partners;
using Interop.Hub.Storage;
using Interop.Hub.Streaming;
using Marten;
using Npgsql;

namespace Interop.Hub.Disbursements.Confirmations;

/// <summary>What the hub answers for one confirmation of a bank's stream, in the order sent.</summary>
internal sealed record ConfirmationAnswer(long Position, Confirmation Confirmation, ConfirmationDecision Decision);

/// <summary>
/// The handler of a bank's confirmations: a batch at a time, it reads the lines the batch names with
/// their events (one query), decides each confirmation on the line as the batch's earlier ones left
/// it (<see cref="ConfirmationRules"/>), and appends the line events and the unknown confirmations
/// with one COPY each, in one transaction. Two commits that decide on the same line at once collide
/// on the line's event number; the loser reads again and decides again, so a confirmation is never
/// counted twice however the bank resends.
/// </summary>
internal sealed class PaymentConfirmations(IDocumentStore store, ILogger<PaymentConfirmations> logger)
{
    // One commit in flight: a stream's confirmations of one line (ACSC, then a return) are decided in the order sent.
    public static readonly BatchLimits Limits = new(BatchSize: 1_000, CommitsInFlight: 1);

    /// <summary>A check stores nothing and decides each batch by itself: two batches are decided at once (PostgreSQL's lookups and the hub's decisions overlap).</summary>
    private static readonly BatchLimits CheckLimits = Limits with { CommitsInFlight = 2 };

    /// <summary>Decides and stores a bank's stream of confirmations, or (<paramref name="keep"/> false) only decides, storing nothing.</summary>
    public async Task ConfirmStreamAsync(IAsyncEnumerable<Held<Confirmation>> confirmations, Actor bank, Func<IReadOnlyList<ConfirmationAnswer>, Task> answer, CancellationToken cancellationToken, bool keep = true)
    {
        long position = 0;
        long appended = 0;
        try
        {
            await BatchedStream.ProcessAsync(
                confirmations,
                keep ? Limits : CheckLimits,
                // Not cancelled with the call: a confirmation that was read is stored even if the bank has gone.
                async batch =>
                {
                    var decisions = await DecideAsync(batch, bank, keep, CancellationToken.None);
                    // Only what could be stored counts: resent, unknown and malformed confirmations append nothing worth analyzing.
                    Interlocked.Add(ref appended, decisions.Count(decision => decision is ConfirmationDecision.Applied or ConfirmationDecision.Contradiction));
                    return decisions;
                },
                (batch, decisions) => answer(batch.Select((confirmation, index) => new ConfirmationAnswer(position++, confirmation, decisions[index])).ToList()),
                cancellationToken);
        }
        finally
        {
            // A stream of many confirmations is a bulk load of line events: the planner is told of them.
            if (keep && Interlocked.Read(ref appended) >= DisbursementStatistics.EventsWorthAnalyzing)
            {
                await DisbursementStatistics.RefreshEventsAsync(store, logger, CancellationToken.None);
            }
        }
    }

    /// <summary>Another commit that appended to one of these lines first fails this one on the line's event number: it reads again and decides again.</summary>
    public Task<IReadOnlyList<ConfirmationDecision>> DecideAsync(IReadOnlyList<Confirmation> confirmations, Actor bank, bool keep, CancellationToken cancellationToken) =>
        LostRace.RetryAsync(() => TryDecideAsync(confirmations, bank, keep, cancellationToken), "The lines of these confirmations kept changing at the same time.", cancellationToken);

    private async Task<IReadOnlyList<ConfirmationDecision>> TryDecideAsync(IReadOnlyList<Confirmation> confirmations, Actor bank, bool keep, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var wanted = confirmations.Select(confirmation => confirmation.EndToEndId).Where(EndToEndIds.IsWellFormed).Distinct(StringComparer.Ordinal).ToList();
        var lines = (await PaymentEvents.LinesAsync(connection, store, wanted, cancellationToken)).ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        var appended = new List<PaymentEvent>();
        var unknown = new List<Confirmation>();
        var decisions = new List<ConfirmationDecision>(confirmations.Count);
        foreach (var confirmation in confirmations)
        {
            var line = lines.GetValueOrDefault(confirmation.EndToEndId);
            var decision = ConfirmationRules.Decide(
                line is null ? null : new ConfirmedLine(line.Line.EndToEndId, line.Line.Account.Bank, line.Line.Amount, line.Applied),
                bank.PartnerId,
                confirmation);
            var kind = decision switch
            {
                ConfirmationDecision.Applied => PaymentEvents.Applied,
                // A contradiction resent is kept once.
                ConfirmationDecision.Contradiction when !line!.Events.Any(e => e.Kind == PaymentEvents.Contradiction && e.Confirmation == confirmation) => PaymentEvents.Contradiction,
                _ => null,
            };
            if (kind is not null)
            {
                var change = new PaymentEvent(line!.BatchId, line.Line.Number, line.Version + 1, kind, confirmation, null, bank);
                appended.Add(change);
                lines[confirmation.EndToEndId] = line with { Events = [.. line.Events, change] };
            }
            else if (decision is ConfirmationDecision.UnknownLine)
            {
                unknown.Add(confirmation);
            }

            decisions.Add(decision);
        }

        if (keep)
        {
            await PaymentEvents.CopyAsync(connection, store, appended, cancellationToken);
            await PaymentEvents.CopyUnknownAsync(connection, store, bank.PartnerId, unknown, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return decisions;
    }
}
