using Interop.Hub.Storage;
using Interop.ReferenceData;
using Marten;

namespace Interop.Hub.Partners.Directory;

/// <summary>What became of a change to the directory.</summary>
internal abstract record PartnerOutcome
{
    private PartnerOutcome()
    {
    }

    internal sealed record Done(Partner Partner) : PartnerOutcome;

    internal sealed record Decided(PartnerDecision Decision) : PartnerOutcome;

    internal sealed record NotFound(string PartnerId) : PartnerOutcome;

    /// <summary>The record is at another version than the caller read.</summary>
    internal sealed record Stale(string PartnerId, long CurrentVersion) : PartnerOutcome;
}

/// <summary>
/// The directory's handler: loads the partner's record for writing, has <see cref="PartnerRules"/>
/// decide, stores the events, and has the directory read again so that the change holds from the
/// partner's next call.
/// </summary>
internal sealed class PartnerAdministration(
    IDocumentStore store, PartnerCertificates certificates, RegionTable regions, PartnerDirectory directory, ILogger<PartnerAdministration> logger)
{
    public async Task<PartnerOutcome> RegisterAsync(RegisterPartner command, CancellationToken cancellationToken)
    {
        // Too many certificates are refused by count, before any is parsed.
        IReadOnlyList<CertificateFacts?> facts = command.CertificatesPem.Count > PartnerRules.MaxCertificates
            ? new CertificateFacts?[command.CertificatesPem.Count]
            : [.. command.CertificatesPem.Select(certificates.Inspect)];
        await using var session = store.LightweightSession();
        await PartnerRecords.SerializeChangesAsync(session, cancellationToken);
        var id = PartnerRecords.StreamOf(command.PartnerId);
        var existing = PartnerRules.IsPartnerId(command.PartnerId) ? await StreamWrites.FetchAsync<Partner>(session, id, cancellationToken) : null;
        var decision = PartnerRules.Decide(command, existing?.Aggregate, facts, await ContextAsync(session, cancellationToken));
        if (decision is not PartnerDecision.Accepted accepted)
        {
            return new PartnerOutcome.Decided(decision);
        }

        await StreamWrites.StartAsync<Partner>(session, id, accepted.Events.Cast<object>(), cancellationToken);
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception exception) when (LostRace.Is(exception) || exception is JasperFx.Events.ExistingStreamIdCollisionException)
        {
            // Registered by another call meanwhile.
            return new PartnerOutcome.Decided(new PartnerDecision.Taken("partner_id", $"A partner with id {command.PartnerId} is already registered (partner ids are unique across kinds); nothing was stored."));
        }

        return await StoredAsync(command.PartnerId, cancellationToken);
    }

    public async Task<PartnerOutcome> ChangeAsync(PartnerRecordChange command, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        await PartnerRecords.SerializeChangesAsync(session, cancellationToken);
        var stream = PartnerRules.IsPartnerId(command.PartnerId)
            ? await StreamWrites.FetchAsync<Partner>(session, PartnerRecords.StreamOf(command.PartnerId), cancellationToken)
            : null;
        if (stream?.Aggregate is not { } current)
        {
            return new PartnerOutcome.NotFound(command.PartnerId);
        }

        if (current.Version != command.ExpectedVersion)
        {
            return new PartnerOutcome.Stale(current.PartnerId, current.Version);
        }

        var certificate = command is PartnerRecordChange.BindCertificate bind ? certificates.Inspect(bind.CertificatePem) : null;
        var decision = PartnerRules.Decide(command, current, certificate, await ContextAsync(session, cancellationToken));
        if (decision is not PartnerDecision.Accepted accepted)
        {
            return new PartnerOutcome.Decided(decision);
        }

        stream.AppendMany(accepted.Events.Cast<object>().ToArray());
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception exception) when (LostRace.Is(exception))
        {
            await using var again = store.QuerySession();
            return new PartnerOutcome.Stale(current.PartnerId, (await PartnerRecords.OneAsync(again, current.PartnerId, cancellationToken))?.Version ?? current.Version);
        }

        return await StoredAsync(command.PartnerId, cancellationToken);
    }

    private async Task<PartnerOutcome> StoredAsync(string partnerId, CancellationToken cancellationToken)
    {
        // Effective from the partner's next call on this hub; other hubs read it within their refresh period.
        try
        {
            await directory.RefreshAsync(CancellationToken.None);
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException)
        {
            // Stored: the periodic read takes it within Hub:DirectoryRefreshSeconds.
            logger.LogWarning(exception, "Partner {PartnerId} was changed but the directory could not be read again at once", partnerId);
        }

        await using var session = store.QuerySession();
        return new PartnerOutcome.Done(await PartnerRecords.OneAsync(session, partnerId, cancellationToken)
            ?? throw new InvalidOperationException($"Partner {partnerId} was stored but cannot be read back."));
    }

    private async Task<DirectoryContext> ContextAsync(IQuerySession session, CancellationToken cancellationToken)
    {
        var holders = new Dictionary<string, string>(StringComparer.Ordinal);
        var partners = await PartnerRecords.AllAsync(session, cancellationToken);
        foreach (var partner in partners)
        {
            foreach (var certificate in partner.Certificates)
            {
                holders[certificate.Thumbprint] = partner.PartnerId;
            }
        }

        return new DirectoryContext(regions, holders)
        {
            Administrators = [.. partners.Where(partner => partner.IsActive && partner.Scopes.Contains(Scopes.PartnersAdmin) && partner.Certificates.Count > 0).Select(partner => partner.PartnerId)],
        };
    }
}
