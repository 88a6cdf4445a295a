using System.Globalization;
using System.Threading.Channels;
using SubmitHouseholdsRequest = Interop.Contracts.Registry.V1.SubmitHouseholdsRequest;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Storage;
using Interop.ReferenceData;
using Marten;

namespace Interop.Hub.Seeding;

/// <summary>
/// <c>Interop.Hub seed-payable</c>: fills an empty development register with synthetic households a
/// PKH batch pays (<see cref="PayableHistory"/>), so that the disbursement benchmark can issue a
/// batch of a million lines without first making millions of calls. Each proposal passes the same
/// rules as one a partner submits; its snapshot is folded with the projection's own Create/Apply and
/// stored with its events, NIK and family-card registrations by the ingest's bulk writer
/// (<see cref="NewStreams"/>), a page of households per transaction. The recipients' accounts go to
/// the banks in turn (half at BRI, half at BNI with two).
/// </summary>
internal sealed class PayableSeed(IDocumentStore store, RegionTable regions, SeedActors actors)
{
    private const int Page = 5_000;

    private const int Writers = 2;

    public async Task<int> SeedAsync(int households, int seed, Action<string> progress, CancellationToken cancellationToken)
    {
        await using (var reader = store.QuerySession())
        {
            if (await HouseholdQueries.AnyAsync(reader, cancellationToken))
            {
                throw new HubConfigurationException("seed-payable fills an empty register only, and this one holds households.");
            }
        }

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var synthetic = new SyntheticHouseholds(seed, regions, string.Empty, "PAYABLE-");
        // Pages are made in order and written by two sessions at once: one writer leaves a core idle.
        var pages = Channel.CreateBounded<(int First, List<SubmitHouseholdsRequest> Requests)>(Writers);
        // A writer that fails stops the others and the pages being made (nothing would take them).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stored = 0;
        var writers = Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            try
            {
                await foreach (var (first, requests) in pages.Reader.ReadAllAsync(stop.Token))
                {
                    await StorePageAsync(first, requests, today, stop.Token);
                    if (Interlocked.Add(ref stored, requests.Count) is var total && (total / Page % (100_000 / Page) == 0 || total == households))
                    {
                        progress($"{total:N0} payable households stored");
                    }
                }
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
        }, CancellationToken.None)).ToList();
        Exception? making = null;
        try
        {
            for (var first = 0; first < households; first += Page)
            {
                await pages.Writer.WriteAsync((first, synthetic.Take(Math.Min(Page, households - first)).ToList()), stop.Token);
            }
        }
        catch (Exception exception)
        {
            // A writer failed (its failure is the one to report), or making pages did: the writers stop either way.
            making = exception;
            await stop.CancelAsync();
        }
        finally
        {
            pages.Writer.Complete();
        }

        // Always waited for: nothing is left writing when the database is stopped.
        await Task.WhenAll(writers).ContinueWith(_ => { }, TaskScheduler.Default);
        if (writers.Select(writer => writer.Exception?.InnerException).FirstOrDefault(exception => exception is not null and not OperationCanceledException) is { } failed)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed);
        }

        if (making is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(making);
        }

        return stored;
    }

    private async Task StorePageAsync(int first, List<SubmitHouseholdsRequest> requests, DateOnly today, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var started = new NewStreams(session);
        var registrations = new List<NikRegistration>();
        var cards = new List<(string FamilyCardNumber, Guid HouseholdId)>();
        foreach (var request in requests)
        {
            if (ProposalRules.Decide(CommandMapping.ToCommand(request, actors.Steward), regions, today) is not ProposalDecision.Accepted { Event: var proposed })
            {
                throw new InvalidOperationException($"The synthetic household {request.PartnerReference} breaks the proposal rules.");
            }

            var serial = first + started.Count + 1;
            var bank = actors.Banks[serial % actors.Banks.Count];
            var id = Guid.CreateVersion7();
            var household = Household.Create(started.Stamp(id, 1, proposed));
            var history = PayableHistory.After(proposed, today, actors, bank, AccountNumber(bank, serial));
            for (var index = 0; index < history.Count; index++)
            {
                household = Fold(household, started, id, index + 2, history[index]);
            }

            started.Start(id, household, [proposed, .. history], household.SearchTerms);
            registrations.AddRange(NikRegistration.For(id, proposed.VillageCode, proposed.Members));
            cards.Add((proposed.FamilyCardNumber, id));
        }

        NikRegistration.Insert(session, registrations);
        FamilyCardRegistration.Insert(session, cards);
        started.Queue();
        await session.SaveChangesAsync(cancellationToken);
    }

    /// <summary>An account number of the bank's length (BRI 15 digits, others 10), unique per household.</summary>
    private static string AccountNumber(Actor bank, int serial) =>
        bank.PartnerId == "bri"
            ? "0021" + serial.ToString("D11", CultureInfo.InvariantCulture)
            : "01" + serial.ToString("D8", CultureInfo.InvariantCulture);

    private static Household Fold(Household household, NewStreams started, Guid id, long version, IHouseholdEvent change) => change switch
    {
        IdentitiesVerified verified => household.Apply(started.Stamp(id, version, verified)),
        HouseholdRatified ratified => household.Apply(started.Stamp(id, version, ratified)),
        ProgramEnrolled enrolled => household.Apply(started.Stamp(id, version, enrolled)),
        RecipientAccountRequested requested => household.Apply(started.Stamp(id, version, requested)),
        RecipientAccountOpened opened => household.Apply(started.Stamp(id, version, opened)),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change.GetType().Name, "not an event of a seeded history"),
    };
}
