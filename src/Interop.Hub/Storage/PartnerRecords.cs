using Interop.Hub.Partners.Directory;
using JasperFx.Events;
using Marten;

namespace Interop.Hub.Storage;

/// <summary>
/// Where the directory lives in Marten: one event stream per partner, keyed by a Guid derived from
/// the partner id (so that one id is one stream whatever the kind: two registrations of an id
/// collide in the store itself), and the record as an inline snapshot written with its events.
/// </summary>
internal static class PartnerRecords
{
    /// <summary>The stream of a partner id: the first 16 bytes of SHA-256("interop-hub:partner:" + id).</summary>
    public static Guid StreamOf(string partnerId) => Interop.Transparency.EvidenceSubjects.PartnerStream(partnerId);

    public static void Configure(StoreOptions options)
    {
        options.Projections.Snapshot<Partner>(JasperFx.Events.Projections.SnapshotLifecycle.Inline);
        options.Events.MapEventType<PartnerRegistered>("partner_registered");
        options.Events.MapEventType<PartnerScopesChanged>("partner_scopes_changed");
        options.Events.MapEventType<PartnerAreasChanged>("partner_areas_changed");
        options.Events.MapEventType<PartnerCertificateBound>("partner_certificate_bound");
        options.Events.MapEventType<PartnerCertificateUnbound>("partner_certificate_unbound");
        options.Events.MapEventType<PartnerSuspended>("partner_suspended");
        options.Events.MapEventType<PartnerReinstated>("partner_reinstated");
    }

    /// <summary>
    /// Opens the session's transaction and takes the directory's lock for it: changes to the directory
    /// are decided one at a time, each on what the one before stored (two stewards cannot each take
    /// the other's administration at the same moment and leave no one to run the directory).
    /// </summary>
    public static async Task SerializeChangesAsync(IDocumentSession session, CancellationToken cancellationToken)
    {
        await session.BeginTransactionAsync(cancellationToken);
        await using var command = new Npgsql.NpgsqlCommand("select pg_advisory_xact_lock(hashtext('interop-hub:partner-directory'))", session.Connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<IReadOnlyList<Partner>> AllAsync(IQuerySession session, CancellationToken cancellationToken) =>
        await session.Query<Partner>().OrderBy(partner => partner.PartnerId).ToListAsync(cancellationToken);

    public static Task<Partner?> OneAsync(IQuerySession session, string partnerId, CancellationToken cancellationToken) =>
        session.LoadAsync<Partner>(StreamOf(partnerId), cancellationToken);

    /// <summary>Every change to the partner with the record as it left it, oldest first; empty for an id no partner has.</summary>
    public static async Task<IReadOnlyList<(IEvent Change, Partner After)>> HistoryAsync(IQuerySession session, string partnerId, CancellationToken cancellationToken)
    {
        var id = StreamOf(partnerId);
        var changes = await session.Events.FetchStreamAsync(id, token: cancellationToken);
        var history = new List<(IEvent, Partner)>(changes.Count);
        foreach (var change in changes)
        {
            var after = await session.Events.AggregateStreamAsync<Partner>(id, change.Version, token: cancellationToken)
                ?? throw new InvalidOperationException($"The partner stream {id} does not fold at version {change.Version}.");
            history.Add((change, after));
        }

        return history;
    }
}
