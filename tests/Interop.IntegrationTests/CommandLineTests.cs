using System.Diagnostics;
using System.Text.RegularExpressions;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>The `interop` command, run as a partner runs it: a separate process talking to a real hub.</summary>
[Collection(HubCollection.Name)]
public sealed class CommandLineTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "cli")
{
    private readonly string folder = Directory.CreateTempSubdirectory("interop-cli-").FullName;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
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

        var submitted = await InteropAsync(["submit", households, "--out", outcomesPath, .. PartnerArguments(Pki.Bandung, "bandung")]);

        Assert.True(submitted.ExitCode == 2, submitted.Output + submitted.Error);
        var outcomes = (await File.ReadAllLinesAsync(outcomesPath)).Skip(1).Select(line => line.Split(',')).ToList();
        Assert.Equal(lines.Count - 1, outcomes.Count);
        Assert.Equal(Enumerable.Range(1, lines.Count - 1).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), outcomes.Select(o => o[0]));
        Assert.All(outcomes.SkipLast(1), o => Assert.Equal("accepted", o[2]));
        Assert.Equal(["BDG-BAD-1", "refused", string.Empty, "InvalidArgument"], outcomes[^1][1..5]);
        Assert.Contains("household.members[0].nik", string.Join(',', outcomes[^1][5..]), StringComparison.Ordinal);

        var householdId = outcomes[0][3];
        var shown = await InteropAsync(["show", householdId, .. PartnerArguments(Pki.Auditor, "bpk")]);
        var history = await InteropAsync(["history", householdId, .. PartnerArguments(Pki.Auditor, "bpk")]);
        var asProposed = await InteropAsync(["show", householdId, "--as-of-version", "1", .. PartnerArguments(Pki.Auditor, "bpk")]);
        var beyond = await InteropAsync(["show", householdId, "--as-of-version", "99", .. PartnerArguments(Pki.Auditor, "bpk")]);

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

        // An auditor examines the household as an officer, then reads who read it in the access log.
        var examined = await InteropAsync(["show", householdId, .. PartnerArguments(Pki.Auditor, "bpk")[..^2], "--purpose", "audit-examination", "--officer", "bpk.auditor-7"]);
        var log = await InteropAsync(["access-log", "--household", householdId, "--limit", "3", .. PartnerArguments(Pki.Auditor, "bpk")]);
        var badLog = await InteropAsync(["access-log", "--household", "not-a-household", .. PartnerArguments(Pki.Auditor, "bpk")]);
        var noPurpose = await InteropAsync(["show", householdId, .. PartnerArguments(Pki.Auditor, "bpk")[..^2]]);

        Assert.Equal(0, examined.ExitCode);
        Assert.Contains("**********", examined.Output, StringComparison.Ordinal);
        Assert.Equal(0, log.ExitCode);
        Assert.Contains("bpk.auditor-7", log.Output, StringComparison.Ordinal);
        Assert.Contains("audit-examination", log.Output, StringComparison.Ordinal);
        Assert.Contains("nik:masked", log.Output, StringComparison.Ordinal);
        Assert.Contains("3 entries, newest first.", log.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, badLog.ExitCode);
        Assert.Contains("household_id", badLog.Output + badLog.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, noPurpose.ExitCode);
        Assert.Contains("x-interop-purpose", noPurpose.Output + noPurpose.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Following_the_feed_with_a_checkpoint_file_resumes_after_the_last_change_shown()
    {
        var bandung = Hub.Registry(Pki.Bandung);
        var first = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(bandung, [Households.Valid("FOLLOW-1", 501)]));
        var checkpoints = Path.Combine(folder, "feed.checkpoint");
        string[] follow = ["follow", "--checkpoint-file", checkpoints, .. PartnerArguments(Pki.Auditor, "bpk")];

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
            "--database", ConnectionString, "--hub-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--out", report, .. PartnerArguments(Pki.Steward, "ministry")]);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var text = await File.ReadAllTextAsync(report);
        Assert.Matches(@"\| PostgreSQL COPY \(ceiling\) \| 400 \|", text);
        Assert.Matches(@"\| SubmitHouseholds over mTLS \| 400 \|", text);
        Assert.Matches(@"Ingest runs at \*\*[0-9.]+ ?%\*\* of the COPY ceiling", text);
        Assert.Matches(@"\| GetHousehold \| [0-9,]+ \| [0-9,]+ \| [0-9.]+ \| [0-9.]+ \| [0-9,]+ MiB \|", text);
        Assert.Matches(@"\| SearchHouseholds by NIK \| [0-9,]+ \| [0-9,]+ \| [0-9.]+ \| [0-9.]+ \| [0-9,]+ MiB \|", text);
        Assert.Matches(@"\| HubService.GetPartnerIdentity \| [0-9,]+ \|", text);
        Assert.DoesNotContain("Password", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(400L, await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.mt_events where type = 'household_proposed'"));
    }

    [Fact]
    public async Task A_bank_is_told_it_may_not_read_the_registry_and_why()
    {
        var shown = await InteropAsync(["show", Guid.NewGuid().ToString(), .. PartnerArguments(Pki.Bank, "bri")]);

        Assert.Equal(3, shown.ExitCode);
        Assert.Contains("the hub answered PermissionDenied: /interop.registry.v2.RegistryService/GetHousehold needs scope registry.read, which partner bri (bank) does not hold; a bank partner never holds it.", shown.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Bad gRPC response", shown.Output + shown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_steward_runs_the_partner_directory_from_the_command_line_and_other_partners_are_told_why_not()
    {
        var steward = PartnerArguments(Pki.Steward, "steward");
        var cimahi = Pki.Partner("dinsos-kota-cimahi", "local-government", "32.77");
        var (cimahiCertificate, _) = Pki.WritePem(cimahi, "cimahi");

        var registered = await InteropAsync([
            "partners", "register", "dinsos-kota-cimahi", "--kind", "local-government", "--name", "Dinas Sosial Kota Cimahi", "--areas", "32.77",
            "--scopes", "registry.read,registry.write", "--certificate", cimahiCertificate, "--reason", "Agreement 7/2026", .. steward]);
        Assert.True(registered.ExitCode == 0, registered.Error);
        Assert.Contains("Serves areas 32.77; scopes: registry.read, registry.write", registered.Output, StringComparison.Ordinal);

        var suspended = await InteropAsync(["partners", "suspend", "dinsos-kota-cimahi", "--reason", "Breach under investigation", .. steward]);
        Assert.True(suspended.ExitCode == 0, suspended.Error);
        Assert.Contains("SUSPENDED, version 2", suspended.Output, StringComparison.Ordinal);
        var list = await InteropAsync(["partners", "list", .. steward]);
        Assert.Contains("dinsos-kota-cimahi", list.Output, StringComparison.Ordinal);
        var history = await InteropAsync(["partners", "history", "dinsos-kota-cimahi", .. steward]);
        Assert.Contains("why: Breach under investigation", history.Output, StringComparison.Ordinal);

        // A stale version and a bad scope are told as the hub answered them, field by field.
        var stale = await InteropAsync(["partners", "reinstate", "dinsos-kota-cimahi", "--reason", "Closed", "--expected-version", "1", .. steward]);
        Assert.Equal(3, stale.ExitCode);
        Assert.Contains("the hub answered Aborted", stale.Error, StringComparison.Ordinal);
        var scope = await InteropAsync(["partners", "scopes", "dinsos-kota-cimahi", "partners.admin", "--reason", "Why not", .. steward]);
        Assert.Equal(3, scope.ExitCode);
        Assert.Contains("scopes[0]: a partner of kind local-government may not hold partners.admin", scope.Error, StringComparison.Ordinal);

        var asBandung = await InteropAsync(["partners", "list", .. PartnerArguments(Pki.Bandung, "bandung")]);
        Assert.Equal(3, asBandung.ExitCode);
        Assert.Contains("needs scope partners.admin", asBandung.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_command_refuses_a_hub_whose_certificate_names_another_host()
    {
        var (certificate, key) = Pki.WriteServerCertificateFor("hub.elsewhere.example");
        await using var impostor = await RunningHub.StartAsync(Pki.CaPath, certificate, key, Pki.Ca, new() { ["ConnectionStrings:Registry"] = ConnectionString });

        var shown = await InteropAsync(["show", Guid.NewGuid().ToString(), .. PartnerArguments(Pki.Auditor, "bpk", impostor.Address)]);

        Assert.Equal(3, shown.ExitCode);
        Assert.Contains($"the hub's certificate does not name the host {impostor.Address.Host}; nothing was sent", shown.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stray quote", 3, "is not well-formed CSV")]
    [InlineData("bad date", 4, "birth_date must be a date written YYYY-MM-DD")]
    [InlineData("unknown sex", 2, "sex must be M or F")]
    [InlineData("split household", 9, "the rows of household BAD-0000001 are not next to each other (it began at line 2)")]
    [InlineData("missing column", 1, "the header lacks column(s) relationship")]
    [InlineData("short row", 5, "has 10 fields, the header has 11")]
    [InlineData("other card on a later row", 3, "family_card_number differs from the first row of household BAD-0000001 (line 2)")]
    [InlineData("not utf-8", 4, "is not UTF-8 text")]
    public async Task A_malformed_csv_stops_before_anything_is_sent_naming_the_line_and_the_problem(string what, int line, string problem)
    {
        var path = Path.Combine(folder, $"bad-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(path, await InteropFileAsync(3));
        var lines = (await File.ReadAllLinesAsync(path)).ToList();
        switch (what)
        {
            case "stray quote": lines[2] = lines[2].Replace("BAD-0000001,", "BAD-0000001,\"32\"x", StringComparison.Ordinal); break;
            case "bad date": lines[3] = Regex.Replace(lines[3], @"(\d{4})-(\d{2})-(\d{2})", "$3/$2/$1"); break;
            case "unknown sex": lines[1] = Regex.Replace(lines[1], ",[MF],", ",X,"); break;
            case "split household": lines.Add(lines[1]); break;
            case "missing column": lines[0] = lines[0].Replace(",relationship", string.Empty, StringComparison.Ordinal); break;
            case "short row": lines[4] = lines[4][..lines[4].LastIndexOf(',')]; break;
            case "other card on a later row": lines[2] = lines[2].Replace(lines[2].Split(',')[1], "3273010101209999", StringComparison.Ordinal); break;
        }

        await File.WriteAllLinesAsync(path, lines);
        if (what == "not utf-8")
        {
            var bytes = (await File.ReadAllBytesAsync(path)).ToList();
            bytes.InsertRange(bytes.IndexOf((byte)'\n', bytes.IndexOf((byte)'\n', bytes.IndexOf((byte)'\n') + 1) + 1) + 5, new byte[] { 0xC3, 0x28 });
            await File.WriteAllBytesAsync(path, [.. bytes]);
        }

        var submitted = await InteropAsync(["submit", path, .. PartnerArguments(Pki.Bandung, "bandung")]);

        Assert.Equal(4, submitted.ExitCode);
        Assert.Contains($"error: {Path.GetFileName(path)} line {line}: {problem}", submitted.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was sent", submitted.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", submitted.Output + submitted.Error, StringComparison.Ordinal);
        Assert.Equal(0, await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.mt_events where type = 'household_proposed' and data ->> 'PartnerReference' like 'BAD-%'"));
    }

    [Fact]
    public async Task A_submission_cut_off_midway_keeps_every_acknowledged_row_and_a_resend_stores_the_rest_once()
    {
        var database = await Postgres.CreateDatabaseAsync("clicut");
        var path = Path.Combine(folder, "cut.csv");
        var generated = await InteropAsync("generate", "--count", "20000", "--seed", "11", "--area", "32.73", "--reference-prefix", "CUT-", "--out", path);
        Assert.Equal(0, generated.ExitCode);
        var rows = File.ReadLines(path).Count() - 1;
        var outcomesPath = Path.Combine(folder, "cut.outcomes.csv");

        (int ExitCode, string Output, string Error) cut;
        await using (var first = await HubProcess.StartAsync(Pki, database))
        {
            var submitting = InteropAsync(["submit", path, "--out", outcomesPath, .. PartnerArguments(Pki.Bandung, "bandung", first.Address)]);
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            while (await StoreProbe.CountAsync(database, "select count(*) from interop.mt_events where type = 'household_proposed'") < 2000)
            {
                await Task.Delay(20, patience.Token);
            }

            await first.DisposeAsync();
            cut = await submitting;
        }

        Assert.True(cut.ExitCode == 3, cut.Output + cut.Error);
        Assert.Contains("the submission was cut off after", cut.Error, StringComparison.Ordinal);
        Assert.Contains("To resume, run the same command again", cut.Error, StringComparison.Ordinal);
        var acknowledged = (await File.ReadAllLinesAsync(outcomesPath)).Skip(1).Select(line => line.Split(',')).ToList();
        Assert.InRange(acknowledged.Count, 1, rows - 1);
        Assert.All(acknowledged, outcome => Assert.Equal("accepted", outcome[2]));
        Assert.Equal(acknowledged.Count, acknowledged.Select(outcome => outcome[0]).Distinct().Count());

        await using var second = await HubProcess.StartAsync(Pki, database);
        var resumed = await InteropAsync(["submit", path, "--out", outcomesPath, .. PartnerArguments(Pki.Bandung, "bandung", second.Address)]);

        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        var outcomes = (await File.ReadAllLinesAsync(outcomesPath)).Skip(1).Select(line => line.Split(',')).ToList();
        Assert.Equal(rows, outcomes.Count);
        Assert.All(acknowledged, before => Assert.Contains(outcomes, after => after[0] == before[0] && after[3] == before[3]));
        Assert.Equal(20000L, await StoreProbe.CountAsync(database, "select count(*) from interop.mt_events where type = 'household_proposed'"));
    }

    /// <summary>A CSV of valid synthetic households whose references start BAD-, as `interop generate` writes it.</summary>
    private async Task<string> InteropFileAsync(int count)
    {
        var path = Path.Combine(folder, $"gen-{Guid.NewGuid():N}.csv");
        var generated = await InteropAsync("generate", "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", "5", "--area", "32.73", "--reference-prefix", "BAD-", "--out", path);
        Assert.Equal(0, generated.ExitCode);
        return await File.ReadAllTextAsync(path);
    }

    private string[] PartnerArguments(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, string name, Uri? address = null) =>
        InteropCli.PartnerArguments(Hub, Pki, certificate, name, address);

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

    private static ProcessStartInfo Interop(string[] arguments) => InteropCli.Start(arguments);

    private static Task<(int ExitCode, string Output, string Error)> InteropAsync(params string[] arguments) => InteropCli.RunAsync(arguments);
}
