using System.Diagnostics;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>The `interop` command, run as a partner runs it: a separate process talking to a real hub.</summary>
[Collection(HubCollection.Name)]
public sealed class CommandLineTests(PostgresCluster postgres, TestPki pki) : IAsyncLifetime
{
    private readonly string folder = Directory.CreateTempSubdirectory("interop-cli-").FullName;
    private RunningHub hub = null!;
    private string connectionString = string.Empty;

    public async Task InitializeAsync()
    {
        connectionString = await postgres.CreateDatabaseAsync("cli");
        hub = await RunningHub.StartAsync(pki, connectionString);
    }

    public async Task DisposeAsync()
    {
        await hub.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_regency_submits_a_csv_file_and_gets_one_outcome_line_per_row_then_shows_a_household_and_its_history()
    {
        var households = Path.Combine(folder, "households.csv");
        var generated = await InteropAsync("generate", "--count", "25", "--seed", "8", "--area", "32.73", "--reference-prefix", "BDG-", "--out", households);
        Assert.Equal(0, generated.ExitCode);
        var lines = (await File.ReadAllLinesAsync(households)).ToList();
        // One more household whose only member has an impossible NIK date.
        lines.Add("BDG-BAD-1,3273010101200099,32.73.01.1001,Jl. Isola No. 1,survey,,3273013302900001,Budi Santoso,1990-02-03,M,HEAD");
        await File.WriteAllLinesAsync(households, lines);
        var outcomesPath = Path.Combine(folder, "outcomes.csv");

        var submitted = await InteropAsync(["submit", households, "--out", outcomesPath, .. PartnerArguments(pki.Bandung, "bandung")]);

        Assert.True(submitted.ExitCode == 2, submitted.Output + submitted.Error);
        var outcomes = (await File.ReadAllLinesAsync(outcomesPath)).Skip(1).Select(line => line.Split(',')).ToList();
        Assert.Equal(lines.Count - 1, outcomes.Count);
        Assert.Equal(Enumerable.Range(1, lines.Count - 1).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), outcomes.Select(o => o[0]));
        Assert.All(outcomes.SkipLast(1), o => Assert.Equal("accepted", o[2]));
        Assert.Equal(["BDG-BAD-1", "refused", string.Empty, "InvalidArgument"], outcomes[^1][1..5]);
        Assert.Contains("household.members[0].nik", string.Join(',', outcomes[^1][5..]), StringComparison.Ordinal);

        var householdId = outcomes[0][3];
        var shown = await InteropAsync(["show", householdId, .. PartnerArguments(pki.Auditor, "bpk")]);
        var history = await InteropAsync(["history", householdId, .. PartnerArguments(pki.Auditor, "bpk")]);
        var asProposed = await InteropAsync(["show", householdId, "--as-of-version", "1", .. PartnerArguments(pki.Auditor, "bpk")]);
        var beyond = await InteropAsync(["show", householdId, "--as-of-version", "99", .. PartnerArguments(pki.Auditor, "bpk")]);

        Assert.Equal(0, shown.ExitCode);
        Assert.Contains(householdId, shown.Output, StringComparison.Ordinal);
        Assert.Contains("dinsos-kota-bandung", shown.Output, StringComparison.Ordinal);
        Assert.Equal(0, asProposed.ExitCode);
        Assert.Contains("(version 1, Proposed)", asProposed.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, beyond.ExitCode);
        Assert.Contains("OutOfRange", beyond.Output + beyond.Error, StringComparison.Ordinal);
        Assert.Equal(0, history.ExitCode);
        Assert.Contains("proposed with", history.Output, StringComparison.Ordinal);
        Assert.Contains("by dinsos-kota-bandung", history.Output, StringComparison.Ordinal);
        Assert.Contains("synthetic household for testing", history.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Following_the_feed_with_a_checkpoint_file_resumes_after_the_last_change_shown()
    {
        var bandung = hub.Registry(pki.Bandung);
        var first = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(bandung, [Households.Valid("FOLLOW-1", 501)]));
        var checkpoints = Path.Combine(folder, "feed.checkpoint");
        string[] follow = ["follow", "--checkpoint-file", checkpoints, .. PartnerArguments(pki.Auditor, "bpk")];

        var firstRun = await FollowUntilAsync(follow, first.Accepted.HouseholdId);
        var second = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(bandung, [Households.Valid("FOLLOW-2", 502)]));
        var secondRun = await FollowUntilAsync(follow, second.Accepted.HouseholdId);

        Assert.Contains(first.Accepted.HouseholdId, firstRun, StringComparison.Ordinal);
        Assert.DoesNotContain(first.Accepted.HouseholdId, secondRun, StringComparison.Ordinal);
        Assert.Contains("proposed with 2 members", secondRun, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_benchmark_tool_measures_each_scenario_against_its_baseline_and_writes_the_report()
    {
        var report = Path.Combine(folder, "benchmarks.md");

        var run = await InteropAsync([
            "bench", "--households", "400", "--read-callers", "4", "--read-seconds", "1",
            "--database", connectionString, "--hub-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--out", report, .. PartnerArguments(pki.Steward, "ministry")]);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var text = await File.ReadAllTextAsync(report);
        Assert.Matches(@"\| PostgreSQL COPY \(ceiling\) \| 400 \|", text);
        Assert.Matches(@"\| SubmitHouseholds over mTLS \| 400 \|", text);
        Assert.Matches(@"Ingest runs at \*\*[0-9.]+ ?%\*\* of the COPY ceiling", text);
        Assert.Matches(@"\| GetHousehold \| [0-9,]+ \| [0-9,]+ \| [0-9.]+ \| [0-9.]+ \| [0-9,]+ MiB \|", text);
        Assert.Matches(@"\| SearchHouseholds by NIK \| [0-9,]+ \| [0-9,]+ \| [0-9.]+ \| [0-9.]+ \| [0-9,]+ MiB \|", text);
        Assert.Matches(@"\| HubService.GetPartnerIdentity \| [0-9,]+ \|", text);
        Assert.DoesNotContain("Password", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(400L, await StoreProbe.CountAsync(connectionString, "select count(*) from interop.mt_events where type = 'household_proposed'"));
    }

    [Fact]
    public async Task A_bank_is_told_it_may_not_read_the_registry()
    {
        var shown = await InteropAsync(["show", Guid.NewGuid().ToString(), .. PartnerArguments(pki.Bank, "bri")]);

        Assert.NotEqual(0, shown.ExitCode);
        Assert.Contains("PermissionDenied", shown.Output + shown.Error, StringComparison.Ordinal);
    }

    private string[] PartnerArguments(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, string name)
    {
        var (certificatePath, keyPath) = pki.WritePem(certificate, name);
        return ["--hub", hub.Address.ToString(), "--cert", certificatePath, "--key", keyPath, "--ca", pki.CaPath];
    }

    /// <summary>Runs `interop follow` until it shows the household, then stops it as Ctrl+C would; returns what it printed.</summary>
    private static async Task<string> FollowUntilAsync(string[] arguments, string householdId)
    {
        using var process = Process.Start(Interop(arguments))!;
        var printed = new System.Text.StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            printed.AppendLine(line);
            if (line.Contains(householdId, StringComparison.Ordinal))
            {
                break;
            }
        }

        // Give it a moment to write the checkpoint of the line it just printed, then stop it.
        await Task.Delay(300);
        process.Kill();
        await process.WaitForExitAsync();
        return printed.ToString();
    }

    private static ProcessStartInfo Interop(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Repository.CliAssembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static async Task<(int ExitCode, string Output, string Error)> InteropAsync(params string[] arguments)
    {
        var start = Interop(arguments);

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
