using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>The `interop` command run as a partner runs it: a separate process, with the partner's certificate and key as PEM files.</summary>
public static class InteropCli
{
    public static ProcessStartInfo Start(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Repository.CliAssembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        using var process = Process.Start(Start(arguments))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    /// <summary>The options that connect as the partner: the hub, its certificate and key (written as PEM), the CA, and the purpose (given, else the story purpose of its kind).</summary>
    public static string[] PartnerArguments(RunningHub hub, TestPki pki, X509Certificate2 certificate, string name, Uri? address = null, string? purpose = null)
    {
        var (certificatePath, keyPath) = pki.WritePem(certificate, name);
        return ["--hub", (address ?? hub.Address).ToString(), "--cert", certificatePath, "--key", keyPath, "--ca", pki.CaPath, .. (purpose ?? StoryPurposes.Of(certificate)) is { } named ? new[] { "--purpose", named } : []];
    }
}
