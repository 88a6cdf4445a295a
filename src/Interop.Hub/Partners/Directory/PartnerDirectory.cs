using Interop.Hub.Storage;
using Marten;

namespace Interop.Hub.Partners.Directory;

/// <summary>Whether a call's certificate lets it in, and as whom.</summary>
internal abstract record Admission
{
    private Admission()
    {
    }

    /// <summary>The partner the directory holds for the certificate, active.</summary>
    internal sealed record Admitted(Partner Partner) : Admission;

    /// <summary>UNAUTHENTICATED: the directory does not know the certificate as this partner's.</summary>
    internal sealed record Unknown(string Reason) : Admission;

    /// <summary>PERMISSION_DENIED: the partner is suspended.</summary>
    internal sealed record Suspended(string PartnerId) : Admission;

    /// <summary>UNAVAILABLE: the directory has not been read yet (the hub is starting).</summary>
    internal sealed record NotReady : Admission;
}

/// <summary>
/// The directory as every call reads it: all partners in memory, read again from the store right
/// after each change this hub makes (so a suspension or an unbound certificate holds from the
/// partner's next call), and every few seconds for changes another hub on the same database made.
/// <see cref="Changed"/> fires when a read finds something different, so that open calls can be
/// checked again.
/// </summary>
internal sealed class PartnerDirectory(IDocumentStore store, TimeSpan refreshEvery, ILogger<PartnerDirectory> logger) : BackgroundService
{
    private readonly SemaphoreSlim reading = new(1, 1);
    private volatile Snapshot? current;

    /// <summary>Raised after a read of the store found the directory changed.</summary>
    public event Action? Changed;

    /// <summary>The partner the call's certificate belongs to, if the directory lets it in.</summary>
    public Admission Admit(PartnerIdentity named, string thumbprint)
    {
        if (current is not { } snapshot)
        {
            return new Admission.NotReady();
        }

        if (!snapshot.ById.TryGetValue(named.PartnerId, out var partner))
        {
            return new Admission.Unknown($"Partner {named.PartnerId} is not registered in the hub's partner directory; ask the registry steward.");
        }

        if (partner.Kind != named.Kind || !partner.Holds(thumbprint))
        {
            return new Admission.Unknown($"This certificate (SHA-256 {thumbprint}) is not bound to partner {named.PartnerId} in the hub's partner directory; ask the registry steward to bind it.");
        }

        return partner.IsActive ? new Admission.Admitted(partner) : new Admission.Suspended(partner.PartnerId);
    }

    /// <summary>The partner with this id, as last read (null when none, or before the first read).</summary>
    public Partner? Find(string partnerId) => current?.ById.GetValueOrDefault(partnerId);

    /// <summary>Reads the directory from the store now.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await reading.WaitAsync(cancellationToken);
        try
        {
            await using var session = store.QuerySession();
            var partners = await PartnerRecords.AllAsync(session, cancellationToken);
            var next = new Snapshot(partners.ToDictionary(partner => partner.PartnerId, StringComparer.Ordinal));
            var before = current;
            current = next;
            if (before is not null && !before.SameAs(next))
            {
                Changed?.Invoke();
            }
        }
        finally
        {
            reading.Release();
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(refreshEvery);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The last directory read stays in force; the next tick tries again.
                logger.LogWarning(exception, "Could not read the partner directory; the last one read stays in force");
            }
        }
    }

    private sealed record Snapshot(IReadOnlyDictionary<string, Partner> ById)
    {
        public bool SameAs(Snapshot other) =>
            ById.Count == other.ById.Count && ById.All(pair => other.ById.TryGetValue(pair.Key, out var partner) && partner.Version == pair.Value.Version);
    }
}
