using Interop.Hub.Partners;
using Interop.Hub.Partners.Directory;
using Interop.Hub.Registry;
using Interop.Hub.Storage;
using Interop.Hub.Streaming;
using JasperFx.Events;
using Marten;

namespace Interop.Hub.Disbursements.Accounts;

/// <summary>A household the steward asked an account for, or a malformed id (null).</summary>
internal sealed record AccountRequestItem(Guid? HouseholdId);

/// <summary>One report of a bank's stream: the household named (null when malformed) and the report.</summary>
internal sealed record AccountReportItem(Guid? HouseholdId, AccountReport Report);

/// <summary>What the hub answers for one report of a bank's stream, in the order sent.</summary>
internal sealed record AccountReportAnswer(long Position, Guid? HouseholdId, AccountDecision Decision);

/// <summary>A request waiting for the bank, with the recipient as the register holds them now.</summary>
internal sealed record OpenAccountRequest(long Sequence, Guid HouseholdId, HouseholdMember Recipient, string VillageCode, string AddressLine);

/// <summary>
/// The handler of recipients' accounts: loads the households of a batch of requests or reports with
/// one query, decides each (<see cref="AccountRules"/>), and stores the events and the bank's queue
/// in one transaction. A lost race with another change reads and decides again.
/// </summary>
internal sealed class RecipientAccounts(IDocumentStore store, PartnerDirectory directory)
{
    public const int MaxRequests = 1_000;
    private const string KeptChanging = "The households of these account requests kept changing at the same time.";

    public static readonly BatchLimits Limits = new(BatchSize: 500, CommitsInFlight: 1);

    /// <summary>Why <paramref name="bank"/> cannot be sent requests, or null when it is an active paying bank of the directory.</summary>
    public string? BankProblem(string bank) =>
        directory.Find(bank) is not { Kind: PartnerKind.Bank } partner ? "must be the partner id of a paying bank in the directory"
        : !partner.IsActive ? "the bank is suspended in the partner directory"
        : null;

    public Task<IReadOnlyList<AccountDecision>> RequestAsync(string bank, IReadOnlyList<AccountRequestItem> items, Actor actor, string reason, bool replaceOpened, CancellationToken cancellationToken) =>
        LostRace.RetryAsync(() => TryRequestAsync(bank, items, actor, reason, replaceOpened, cancellationToken), KeptChanging, cancellationToken);

    /// <summary>A bank's stream of reports, a batch at a time (<see cref="BatchedStream"/>), each answered in the order sent.</summary>
    public Task ReportStreamAsync(IAsyncEnumerable<Held<AccountReportItem>> reports, Actor bank, Func<IReadOnlyList<AccountReportAnswer>, Task> answer, CancellationToken cancellationToken)
    {
        long position = 0;
        return BatchedStream.ProcessAsync(
            reports,
            Limits,
            // Not cancelled with the call: a report that was read is recorded even if the bank has gone.
            batch => LostRace.RetryAsync(() => TryReportAsync(batch, bank, CancellationToken.None), KeptChanging, CancellationToken.None),
            (batch, decisions) => answer(batch.Select((report, index) => new AccountReportAnswer(position++, report.HouseholdId, decisions[index])).ToList()),
            cancellationToken);
    }

    /// <summary>The bank's open requests after a checkpoint, with each recipient as the register holds them.</summary>
    public async IAsyncEnumerable<OpenAccountRequest> OpenRequestsAsync(
        string bank, long afterSequence, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const int page = 500;
        await using var session = store.QuerySession();
        while (true)
        {
            var queued = await AccountRequestQueue.PendingAsync(session, bank, afterSequence, page, cancellationToken);
            var households = (await session.LoadManyAsync<Household>(cancellationToken, queued.Select(request => request.HouseholdId).Distinct()))
                .ToDictionary(household => household.Id);
            foreach (var request in queued)
            {
                // A member who left since takes the request along (the household no longer holds it).
                if (households.TryGetValue(request.HouseholdId, out var household)
                    && household.Accounts.Any(account => account.Nik == request.Nik && account.Bank == bank && account.Status == AccountStatus.Requested)
                    && household.Members.FirstOrDefault(member => member.Nik == request.Nik) is { } recipient)
                {
                    yield return new OpenAccountRequest(request.Sequence, household.Id, recipient, household.VillageCode, household.AddressLine);
                }
            }

            if (queued.Count < page)
            {
                yield break;
            }

            afterSequence = queued[^1].Sequence;
        }
    }

    private async Task<IReadOnlyList<AccountDecision>> TryRequestAsync(string bank, IReadOnlyList<AccountRequestItem> items, Actor actor, string reason, bool replaceOpened, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var batch = await DecidedBatch.LoadAsync(session, items.Select(item => item.HouseholdId), cancellationToken);
        var decisions = new List<AccountDecision>(items.Count);
        foreach (var item in items)
        {
            var decision = AccountRules.Request(batch.Current(item.HouseholdId), bank, actor, reason, replaceOpened);
            if (decision is AccountDecision.Recorded { Event: RecipientAccountRequested requested })
            {
                batch.Record(item.HouseholdId!.Value, requested);
                AccountRequestQueue.Enqueue(session, bank, item.HouseholdId.Value, requested.Nik);
            }

            decisions.Add(decision);
        }

        await batch.SaveAsync(session, cancellationToken);
        return decisions;
    }

    private async Task<IReadOnlyList<AccountDecision>> TryReportAsync(IReadOnlyList<AccountReportItem> reports, Actor bank, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var batch = await DecidedBatch.LoadAsync(session, reports.Select(report => report.HouseholdId), cancellationToken);
        var decisions = new List<AccountDecision>(reports.Count);
        foreach (var report in reports)
        {
            var decision = AccountRules.Report(batch.Current(report.HouseholdId), bank, report.Report);
            if (decision is AccountDecision.Recorded recorded)
            {
                batch.Record(report.HouseholdId!.Value, recorded.Event);
                AccountRequestQueue.Remove(session, bank.PartnerId, report.HouseholdId.Value, report.Report.Nik);
            }

            decisions.Add(decision);
        }

        await batch.SaveAsync(session, cancellationToken);
        return decisions;
    }

    /// <summary>
    /// The households of one batch as read, and as the batch's decisions so far leave them (folded by
    /// the same Apply as the store's projection), so that a second item for a household is decided on
    /// the first's outcome; each household's events are appended once, after the version read.
    /// </summary>
    private sealed class DecidedBatch(IReadOnlyDictionary<Guid, Household> read)
    {
        private readonly Dictionary<Guid, Household> current = new(read);
        private readonly Dictionary<Guid, List<IHouseholdEvent>> decided = [];

        public static async Task<DecidedBatch> LoadAsync(IDocumentSession session, IEnumerable<Guid?> ids, CancellationToken cancellationToken) =>
            new((await session.LoadManyAsync<Household>(cancellationToken, ids.OfType<Guid>().Distinct())).ToDictionary(household => household.Id));

        public Household? Current(Guid? id) => id is { } known ? current.GetValueOrDefault(known) : null;

        public void Record(Guid id, IHouseholdEvent change)
        {
            var household = current[id];
            var events = decided.TryGetValue(id, out var list) ? list : decided[id] = [];
            events.Add(change);
            var version = household.Version + 1;
            var now = DateTimeOffset.UtcNow;
            current[id] = change switch
            {
                RecipientAccountRequested requested => household.Apply(new Event<RecipientAccountRequested>(requested) { Version = version, Timestamp = now }),
                RecipientAccountOpened opened => household.Apply(new Event<RecipientAccountOpened>(opened) { Version = version, Timestamp = now }),
                RecipientAccountRefused refused => household.Apply(new Event<RecipientAccountRefused>(refused) { Version = version, Timestamp = now }),
                _ => throw new InvalidOperationException($"Not an account event: {change.GetType().Name}."),
            };
        }

        public async Task SaveAsync(IDocumentSession session, CancellationToken cancellationToken)
        {
            if (decided.Count == 0)
            {
                return;
            }

            foreach (var (id, events) in decided)
            {
                await StreamWrites.AppendAfterAsync(session, id, read[id].Version, events, cancellationToken);
            }

            await session.SaveChangesAsync(cancellationToken);
        }
    }
}
