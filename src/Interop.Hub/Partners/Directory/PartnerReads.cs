using Interop.Hub.Storage;
using JasperFx.Events;
using Marten;

namespace Interop.Hub.Partners.Directory;

/// <summary>The directory as the steward reads it: one partner, all of them, or one partner's history.</summary>
internal sealed class PartnerReads(IDocumentStore store)
{
    public async Task<Partner?> OneAsync(string partnerId, CancellationToken cancellationToken)
    {
        if (!PartnerRules.IsPartnerId(partnerId))
        {
            return null;
        }

        await using var session = store.QuerySession();
        return await PartnerRecords.OneAsync(session, partnerId, cancellationToken);
    }

    public async Task<IReadOnlyList<Partner>> AllAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await PartnerRecords.AllAsync(session, cancellationToken);
    }

    /// <summary>Every change with the record as it left it, oldest first; empty for an id no partner has.</summary>
    public async Task<IReadOnlyList<(IEvent Change, Partner After)>> HistoryAsync(string partnerId, CancellationToken cancellationToken)
    {
        if (!PartnerRules.IsPartnerId(partnerId))
        {
            return [];
        }

        await using var session = store.QuerySession();
        return await PartnerRecords.HistoryAsync(session, partnerId, cancellationToken);
    }
}
