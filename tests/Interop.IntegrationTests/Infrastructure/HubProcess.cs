using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>A second hub as an operating-system process of its own, on the same database as another.</summary>
public sealed partial class HubProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> lines;
    private bool disposed;

    private HubProcess(Process process, Uri address, ConcurrentQueue<string> lines)
    {
        this.process = process;
        this.lines = lines;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The hub's resident memory now, in MiB.</summary>
    public long ResidentMiB
    {
        get
        {
            process.Refresh();
            return process.WorkingSet64 / (1024 * 1024);
        }
    }

    /// <summary>The most memory the hub has held resident so far, in MiB.</summary>
    public long PeakResidentMiB
    {
        get
        {
            process.Refresh();
            return process.PeakWorkingSet64 / (1024 * 1024);
        }
    }

    /// <summary>Every line the hub wrote to its standard output and error so far.</summary>
    public IReadOnlyList<string> Log => [.. lines];

    /// <param name="settings">More command-line settings (log levels, say), after the defaults.</param>
    public static async Task<HubProcess> StartAsync(TestPki pki, string connectionString, params string[] settings)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        foreach (var argument in (string[])[
            Repository.HubAssembly,
            $"--ConnectionStrings:Registry={connectionString}",
            "--Hub:Port=0",
            $"--Hub:PartnerCa={pki.CaPath}",
            $"--Hub:PartnerSeed={pki.SeedPath}",
            $"--Hub:AuditSigningKey={pki.AuditKeyPath}",
            "--Hub:TokenRequestsPerSecond=1000",
            $"--Hub:ServerCertificate={pki.ServerCertificatePath}",
            $"--Hub:ServerKey={pki.ServerKeyPath}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Interop.Hub=Information",
            .. settings,
        ])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var lines = new ConcurrentQueue<string>();
        _ = DrainAsync(process.StandardError, lines);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            lines.Enqueue(line);
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                _ = DrainAsync(process.StandardOutput, lines);
                return new HubProcess(process, new Uri(match.Groups[1].Value), lines);
            }
        }

        throw new InvalidOperationException("The hub process ended before it listened.");
    }

    /// <summary>Kills the hub (as a crash or a pulled plug would); a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static async Task DrainAsync(StreamReader output, ConcurrentQueue<string> lines)
    {
        while (await output.ReadLineAsync() is { } line)
        {
            lines.Enqueue(line);
        }
    }

    [GeneratedRegex(@"Interop Hub listening on (https://[^ ,]+)")]
    private static partial Regex ListeningLine();
}
