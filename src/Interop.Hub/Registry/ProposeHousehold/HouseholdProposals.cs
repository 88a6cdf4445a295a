using Interop.Hub.Partners;
using Interop.Hub.Registry.Conflicts;
using Interop.Hub.Storage;
using Marten;

namespace Interop.Hub.Registry.ProposeHousehold;

/// <summary>
/// Stores accepted proposals as new household streams, many in one transaction, idempotently: a
/// partner's reference for a household is its idempotency key. The same reference with the same
/// content gives back the original outcome and writes nothing; with other content it is refused.
/// </summary>
internal sealed class HouseholdProposals(IDocumentStore store)
{
    private const int MaxAttempts = 10;

    /// <summary>
    /// NIKs and cards are inserted without a lookup until one turns out taken; from then on this
    /// stream looks up first (docs/architecture.md, "The ingest path").
    /// </summary>
    private volatile bool lookUpNiksFirst;

    public async Task<IReadOnlyList<ProposalOutcome>> StoreAsync(IReadOnlyList<ProposalToStore> proposals, CancellationToken cancellationToken)
    {
        if (proposals.Count == 0)
        {
            return [];
        }

        // Another call may store some of these references between our read and our commit (two
        // streams resending the same file, say). Each attempt then sees more receipts and answers
        // those from them, so a few attempts always settle it.
        for (var attempt = 1; ; attempt++)
        {
            var lookUpNiks = lookUpNiksFirst || attempt > 1;
            try
            {
                return await TryStoreAsync(proposals, lookUpNiks, cancellationToken);
            }
            catch (Exception exception) when (!lookUpNiks && (LostRace.OnTable(exception, NikRegistration.TableName) || LostRace.OnTable(exception, FamilyCardRegistration.TableName)))
            {
                lookUpNiksFirst = true;
            }
            catch (Exception exception) when (LostRace.Is(exception) && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), cancellationToken);
            }
            catch (Exception exception) when (LostRace.Is(exception))
            {
                throw new ConcurrentChangeException("Other calls kept storing the same partner references at the same time.", exception);
            }
        }
    }

    private async Task<IReadOnlyList<ProposalOutcome>> TryStoreAsync(IReadOnlyList<ProposalToStore> proposals, bool lookUpNiks, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var receipts = (await session.LoadManyAsync<ProposalReceipt>(cancellationToken, proposals.Select(p => p.ReceiptId).Distinct()))
            .ToDictionary(receipt => receipt.Id, StringComparer.Ordinal);
        // NIKs active before this batch (when looked up) and those the batch itself registers as it goes.
        var activeIn = lookUpNiks
            ? await NikRegistration.HoldersAsync(session, proposals.SelectMany(p => p.Event.Members).Select(member => member.Nik), cancellationToken)
            : new Dictionary<string, Guid>(StringComparer.Ordinal);
        // Family-card numbers held by open households, looked up with the NIKs, and those the batch registers as it goes.
        var cardsHeld = lookUpNiks
            ? await FamilyCardRegistration.HoldersAsync(session, proposals.Select(p => p.Event.FamilyCardNumber), cancellationToken)
            : new Dictionary<string, Guid>(StringComparer.Ordinal);
        // By village: each proposal is compared with the people of its own village only, not with the whole batch.
        var screened = (await RegisteredLookalikesAsync(session, proposals.Where(p => !receipts.ContainsKey(p.ReceiptId)).ToList(), cancellationToken))
            .GroupBy(person => person.VillageCode, StringComparer.Ordinal)
            .ToDictionary(village => village.Key, village => village.ToList(), StringComparer.Ordinal);
        var outcomes = new List<ProposalOutcome>(proposals.Count);
        var newReceipts = new List<ProposalReceipt>();
        var started = new NewStreams(session);
        var registrations = new List<NikRegistration>();
        var cards = new List<(string FamilyCardNumber, Guid HouseholdId)>();
        foreach (var proposal in proposals)
        {
            if (receipts.TryGetValue(proposal.ReceiptId, out var receipt))
            {
                outcomes.Add(receipt.ContentHash == proposal.ContentHash
                    ? new ProposalOutcome.Replayed(receipt.HouseholdId, receipt.Version, receipt.ConflictCaseId)
                    : new ProposalOutcome.ReferenceTaken(receipt.HouseholdId));
                continue;
            }

            var id = Guid.CreateVersion7();
            var proposed = proposal.Event;
            IEnumerable<ScreenedPerson> neighbours = screened.TryGetValue(proposed.VillageCode, out var village) ? village : [];
            var screening = ProposalScreening.Screen(
                proposed, activeIn, cardsHeld.TryGetValue(proposed.FamilyCardNumber, out var holder) ? holder : null, neighbours, id, Guid.CreateVersion7);
            var created = Household.Create(started.Stamp(id, 1, proposed));
            var snapshot = screening.Events.Skip(1).SingleOrDefault() switch
            {
                HeldForConflict held => created.Apply(started.Stamp(id, 2, held)),
                FlaggedAsLikelyDuplicate flagged => created.Apply(started.Stamp(id, 2, flagged)),
                _ => created,
            };

            started.Start(id, snapshot, screening.Events, snapshot.SearchTerms);
            if (screening is { CaseId: { } caseId, CaseOpened: { } opened })
            {
                started.Start(caseId, ConflictCase.Create(started.Stamp(caseId, 1, opened)), [opened]);
            }

            if (screening.HoldsItsKeys)
            {
                cards.Add((proposed.FamilyCardNumber, id));
                cardsHeld[proposed.FamilyCardNumber] = id;
                registrations.AddRange(NikRegistration.For(id, proposed.VillageCode, proposed.Members));
                foreach (var member in proposed.Members)
                {
                    activeIn[member.Nik] = id;
                }

                // Later proposals of the batch are screened against this one too.
                if (!screened.TryGetValue(proposed.VillageCode, out var people))
                {
                    screened[proposed.VillageCode] = people = [];
                }

                people.AddRange(proposed.Members.Select(member => new ScreenedPerson(id, proposed.VillageCode, member)));
            }

            var stored = new ProposalReceipt(proposal.ReceiptId, id, proposal.ContentHash, screening.Version, screening.CaseId);
            newReceipts.Add(stored);
            receipts[stored.Id] = stored;
            outcomes.Add(new ProposalOutcome.Stored(id, stored.Version, stored.ConflictCaseId));
        }

        // The keys that can be taken meanwhile first: a NIK or a reference another commit took fails
        // this one before the events draw numbers from the store's sequence, so a lost race leaves no
        // gap in it for the async daemon (and the change feed) to wait out.
        NikRegistration.Insert(session, registrations);
        FamilyCardRegistration.Insert(session, cards);
        BulkDocuments.QueueInsert(session, newReceipts, receipt => receipt.Id);
        started.Queue();
        await session.SaveChangesAsync(cancellationToken);
        return outcomes;
    }

    /// <summary>People already registered in the villages and with the birth dates of the proposals' members: one indexed query per batch.</summary>
    private static async Task<List<ScreenedPerson>> RegisteredLookalikesAsync(IDocumentSession session, IReadOnlyList<ProposalToStore> proposals, CancellationToken cancellationToken)
    {
        var keys = proposals
            .SelectMany(p => p.Event.Members.Select(member => NikRegistration.KeyOf(p.Event.VillageCode, member.BirthDate)))
            .Distinct()
            .ToArray();
        var registrations = await NikRegistration.WithKeysAsync(session, keys, cancellationToken);
        if (registrations.Count == 0)
        {
            return [];
        }

        var registeredNiks = registrations.Select(registration => registration.Nik).ToHashSet(StringComparer.Ordinal);
        var households = await session.LoadManyAsync<Household>(cancellationToken, registrations.Select(registration => registration.HouseholdId).Distinct());
        return households
            .SelectMany(household => household.Members
                .Where(member => registeredNiks.Contains(member.Nik))
                .Select(member => new ScreenedPerson(household.Id, household.VillageCode, member)))
            .ToList();
    }
}

/// <summary>An accepted proposal with its idempotency key (the partner and its reference) and a hash of what was sent.</summary>
internal sealed record ProposalToStore(string PartnerId, string PartnerReference, string ContentHash, HouseholdProposed Event)
{
    public string ReceiptId => ProposalReceipt.IdFor(PartnerId, PartnerReference);
}

/// <summary>What the hub answered when a partner first proposed a household under a reference.</summary>
internal sealed record ProposalReceipt(string Id, Guid HouseholdId, string ContentHash, long Version, Guid? ConflictCaseId = null)
{
    public static string IdFor(string partnerId, string partnerReference) => $"{partnerId}/{partnerReference}";
}

internal abstract record ProposalOutcome
{
    /// <summary>Stored; held in a conflict case when a member's NIK was already active elsewhere.</summary>
    public sealed record Stored(Guid HouseholdId, long Version, Guid? ConflictCaseId) : ProposalOutcome;

    /// <summary>The same reference and content were stored before: nothing was written.</summary>
    public sealed record Replayed(Guid HouseholdId, long Version, Guid? ConflictCaseId) : ProposalOutcome;

    /// <summary>The reference already names another household's proposal.</summary>
    public sealed record ReferenceTaken(Guid HouseholdId) : ProposalOutcome;
}
