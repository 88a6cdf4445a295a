using Marten;

namespace Interop.Hub.Registry.ProposeHousehold;

/// <summary>Stores accepted proposals as new household streams, many in one transaction.</summary>
internal sealed class HouseholdProposals(IDocumentStore store)
{
    /// <summary>Starts one stream per proposal and commits them together; returns the new record ids in order.</summary>
    public async Task<IReadOnlyList<Guid>> StoreAsync(IReadOnlyList<HouseholdProposed> proposals, CancellationToken cancellationToken)
    {
        var ids = new List<Guid>(proposals.Count);
        if (proposals.Count == 0)
        {
            return ids;
        }

        await using var session = store.LightweightSession();
        foreach (var proposed in proposals)
        {
            var id = Guid.CreateVersion7();
            session.Events.StartStream<Household>(id, proposed);
            ids.Add(id);
        }

        await session.SaveChangesAsync(cancellationToken);
        return ids;
    }
}
