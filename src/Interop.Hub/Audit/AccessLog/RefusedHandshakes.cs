using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Interop.Hub.Audit.AccessLog;

/// <summary>
/// Refused TLS handshakes, counted and written to the access log as counts every
/// <see cref="HubOptions.AccessLogHandshakeSeconds"/>: no partner is known before a handshake
/// succeeds, so there is no call to log. Two counts: certificates the hub refused (by reason and the
/// certificate's thumbprint), and every handshake that failed, by the error Kestrel reports
/// (kestrel.tls_handshake.duration; a connection without a certificate counts only there).
/// </summary>
internal sealed class RefusedHandshakes(TimeSpan period) : BackgroundService
{
    private AccessLog? log;
    private TimeProvider clock = TimeProvider.System;

    public const string Method = "tls-handshake";
    private readonly ConcurrentDictionary<(string Detail, string? Thumbprint), int> counts = new();
    private MeterListener? listener;

    /// <summary>Where the counts go: the handshake is configured before the log exists, so it is given here.</summary>
    public RefusedHandshakes WritingTo(AccessLog accessLog, TimeProvider time)
    {
        log = accessLog;
        clock = time;
        return this;
    }

    /// <summary>Distinct certificates counted one by one in a period; beyond, refusals are counted by reason alone (a client making a certificate per handshake cannot grow the counts).</summary>
    public const int MaxCertificatesPerPeriod = 1_000;

    /// <summary>A certificate the handshake refused.</summary>
    public void CertificateRefused(string reason, string thumbprint)
    {
        var key = ($"certificate refused: {reason}", (string?)thumbprint);
        if (!counts.ContainsKey(key) && counts.Count >= MaxCertificatesPerPeriod)
        {
            key = ($"certificate refused: {reason} (certificates beyond {MaxCertificatesPerPeriod} in the period)", null);
        }

        counts.AddOrUpdate(key, 1, (_, count) => count + 1);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        listener = new MeterListener
        {
            InstrumentPublished = (instrument, meters) =>
            {
                if (instrument is { Name: "kestrel.tls_handshake.duration", Meter.Name: "Microsoft.AspNetCore.Server.Kestrel" })
                {
                    meters.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "error.type")
                {
                    counts.AddOrUpdate(($"handshake failed: {tag.Value}", null), 1, (_, count) => count + 1);
                }
            }
        });
        listener.Start();
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        listener?.Dispose();
        await base.StopAsync(cancellationToken);
        Flush();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(period, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Flush();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes what is left.
        }
    }

    /// <summary>Writes the counts so far as entries, one per reason and certificate.</summary>
    public void Flush()
    {
        if (log is null)
        {
            return;
        }

        foreach (var key in counts.Keys)
        {
            if (counts.TryRemove(key, out var count) && count > 0)
            {
                log.Enqueue(new AccessEntry(
                    AccessEntryKind.RefusedHandshakes, clock.GetUtcNow(), Method, null, key.Thumbprint, null, null, [], [], "REFUSED", key.Detail, count));
            }
        }
    }
}
