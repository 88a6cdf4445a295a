using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>A second hub as an operating-system process of its own, on the same database as another.</summary>
public sealed partial class HubProcess : IAsyncDisposable
{
    private readonly Process process;

    private HubProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<HubProcess> StartAsync(TestPki pki, string connectionString)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        foreach (var argument in (string[])[
            Repository.HubAssembly,
            $"--ConnectionStrings:Registry={connectionString}",
            "--Hub:Port=0",
            $"--Hub:PartnerCa={pki.CaPath}",
            $"--Hub:ServerCertificate={pki.ServerCertificatePath}",
            $"--Hub:ServerKey={pki.ServerKeyPath}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Interop.Hub=Information",
        ])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        _ = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                _ = DrainAsync(process.StandardOutput);
                return new HubProcess(process, new Uri(match.Groups[1].Value));
            }
        }

        throw new InvalidOperationException("The hub process ended before it listened.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static async Task DrainAsync(StreamReader output)
    {
        while (await output.ReadLineAsync() is not null)
        {
        }
    }

    [GeneratedRegex(@"Interop Hub listening on (https://[^ ,]+)")]
    private static partial Regex ListeningLine();
}
