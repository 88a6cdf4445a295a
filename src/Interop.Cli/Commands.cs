using System.CommandLine;
using System.Globalization;
using CsvHelper;
using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.ReferenceData;
using Spectre.Console;
using V2 = Interop.Contracts.Registry.V2;

namespace Interop.Cli;

internal static class Commands
{
    public static Command Generate()
    {
        var count = new Option<int>("--count") { Description = "Number of households", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Same seed, same households", DefaultValueFactory = _ => 1 };
        var area = new Option<string>("--area") { Description = "Dotted region prefix to draw villages from (32.73); default the whole country", DefaultValueFactory = _ => string.Empty };
        var prefix = new Option<string>("--reference-prefix") { Description = "Prefix of the partner references", DefaultValueFactory = _ => "SYN-" };
        var output = new Option<FileInfo>("--out") { Description = "CSV file to write", Required = true };
        var command = new Command("generate", "Write synthetic households (one CSV row per member) for tests and demos") { count, seed, area, prefix, output };
        command.SetAction(result =>
        {
            var households = new SyntheticHouseholds(result.GetValue(seed), RegionTable.Load(RegionTable.DefaultPath), result.GetValue(area)!, result.GetValue(prefix)!);
            using var writer = new StreamWriter(result.GetValue(output)!.FullName);
            HouseholdCsv.Write(writer, households.Take(result.GetValue(count)));
            AnsiConsole.MarkupLine($"Wrote {result.GetValue(count):N0} households to [bold]{Markup.Escape(result.GetValue(output)!.FullName)}[/]");
            return 0;
        });
        return command;
    }

    public static Command Submit(PartnerOptions partner)
    {
        var file = new Argument<FileInfo>("file") { Description = "Household CSV (one row per member)" };
        var output = new Option<FileInfo?>("--out") { Description = "Outcome CSV, one line per input row; default <file>.outcomes.csv" };
        var command = new Command("submit", "Submit a household CSV as one stream and write the outcome of every row") { file, output };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Reported(async () =>
        {
            var input = result.GetValue(file)!;
            var outcomesPath = result.GetValue(output)?.FullName ?? input.FullName + ".outcomes.csv";
            // The whole file is read and checked before anything is sent.
            var households = HouseholdCsv.ReadFile(input.FullName);
            using var channel = partner.Open(result);
            var client = new RegistryService.RegistryServiceClient(channel);
            var outcomes = new List<SubmitHouseholdsResponse>(households.Count);
            RpcException? cutOff = null;
            try
            {
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask($"Submitting {households.Count:N0} households", maxValue: households.Count);
                        await HouseholdSubmission.RunAsync(client, households.Select(h => h.Request), outcome =>
                        {
                            outcomes.Add(outcome);
                            task.Increment(1);
                        }, cancellationToken);
                    });
            }
            catch (RpcException exception) when (partner.CertificateRefusal is null && (outcomes.Count > 0 || IsCutOff(exception.StatusCode)))
            {
                // Cut off midway (the connection dropped, the hub stopped, Ctrl+C): what the hub
                // acknowledged is still written down, and the clerk is told how to go on.
                cutOff = exception;
            }

            await WriteOutcomesAsync(outcomesPath, households, outcomes);
            if (cutOff is not null)
            {
                await Console.Error.WriteLineAsync(
                    $"error: the submission was cut off after {outcomes.Count:N0} of {households.Count:N0} households: {Describe(cutOff)}");
                await Console.Error.WriteLineAsync(
                    $"The {outcomes.Count:N0} households the hub acknowledged are in {outcomesPath}. To resume, run the same command again: "
                    + "households the hub already stored are recognised by their partner_reference and answered again, never stored twice.");
                return 3;
            }

            var accepted = outcomes.Count(o => o.OutcomeCase == SubmitHouseholdsResponse.OutcomeOneofCase.Accepted);
            AnsiConsole.MarkupLine($"[green]{accepted:N0} accepted[/], [red]{outcomes.Count - accepted:N0} refused[/]; outcomes in [bold]{Markup.Escape(outcomesPath)}[/]");
            return accepted == outcomes.Count ? 0 : 2;
        }, partner));
        return command;
    }

    /// <summary>One line per input row of every household the hub answered, in the order it answered.</summary>
    private static async Task WriteOutcomesAsync(string path, IReadOnlyList<(SubmitHouseholdsRequest Request, IReadOnlyList<int> Rows)> households, IReadOnlyList<SubmitHouseholdsResponse> outcomes)
    {
        await using var writer = new StreamWriter(path);
        await using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        csv.WriteHeader<OutcomeRow>();
        await csv.NextRecordAsync();
        foreach (var outcome in outcomes)
        {
            foreach (var row in households[(int)outcome.Position].Rows)
            {
                csv.WriteRecord(OutcomeRow.From(row, outcome));
                await csv.NextRecordAsync();
            }
        }
    }

    public static Command Show(PartnerOptions partner)
    {
        var id = new Argument<string>("household-id");
        var version = new Option<long?>("--as-of-version") { Description = "Show the household as it was after the change with this version" };
        var moment = new Option<DateTimeOffset?>("--as-of") { Description = "Show the household as it was at this moment (ISO 8601, e.g. 2026-11-28T09:00:00Z)" };
        var command = new Command("show", "Show a household: as it is now, or as it was after a version or at a moment") { id, version, moment };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Reported(async () =>
        {
            using var channel = partner.Open(result);
            var request = new V2.GetHouseholdRequest { HouseholdId = result.GetValue(id) };
            if (result.GetValue(version) is { } asOfVersion)
            {
                request.AsOfVersion = asOfVersion;
            }
            else if (result.GetValue(moment) is { } asOf)
            {
                request.AsOfTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(asOf);
            }

            var household = (await new V2.RegistryService.RegistryServiceClient(channel).GetHouseholdAsync(request, cancellationToken: cancellationToken)).Household;
            AnsiConsole.MarkupLine($"[bold]Household {household.HouseholdId}[/] (version {household.Version}, {household.Status})");
            AnsiConsole.MarkupLine($"Family card {household.FamilyCardNumber}, village {household.Location.VillageCode}: {Markup.Escape(household.Location.AddressLine)}");
            AnsiConsole.MarkupLine($"Proposed by {household.Provenance.ProposedByPartnerId} as {Markup.Escape(household.Provenance.PartnerReference)} on {household.Provenance.CreateTime.ToDateTimeOffset():u}");
            var table = new Table().AddColumns("NIK", "Name", "Born", "Sex", "Relationship");
            foreach (var member in household.Members)
            {
                var identity = member.Identity;
                table.AddRow(identity.Nik, Markup.Escape(identity.FullName), identity.BirthDate is null ? string.Empty : identity.BirthDate.Month == 0 ? $"{identity.BirthDate.Year:D4}" : $"{identity.BirthDate.Year:D4}-{identity.BirthDate.Month:D2}-{identity.BirthDate.Day:D2}", identity.Sex.ToString(), HouseholdCsv.RelationshipName((Relationship)(int)member.Relationship));
            }

            AnsiConsole.Write(table);
            return 0;
        }, partner));
        return command;
    }

    public static Command History(PartnerOptions partner)
    {
        var id = new Argument<string>("household-id");
        var command = new Command("history", "Show a household's history as a timeline: who changed what, when and why") { id };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Reported(async () =>
        {
            using var channel = partner.Open(result);
            var call = new RegistryService.RegistryServiceClient(channel)
                .StreamHouseholdHistory(new StreamHouseholdHistoryRequest { HouseholdId = result.GetValue(id) }, cancellationToken: cancellationToken);
            await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                var change = response.Event;
                AnsiConsole.MarkupLine(
                    $"[bold]{change.OccurTime.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss}Z[/] v{change.Version} {Describe(change)} by [bold]{change.Actor.PartnerId}[/] ({change.Actor.PartnerKind})");
                AnsiConsole.MarkupLine($"    why: {Markup.Escape(change.Reason)}" + (change.EvidenceReference.Length > 0 ? $"; evidence: {Markup.Escape(change.EvidenceReference)}" : string.Empty));
            }

            return 0;
        }, partner));
        return command;
    }

    public static Command Follow(PartnerOptions partner)
    {
        var after = new Option<long>("--after") { Description = "Checkpoint to resume after (default: the checkpoint file, else the beginning)" };
        var checkpointFile = new Option<FileInfo?>("--checkpoint-file") { Description = "Reads the checkpoint to resume from and writes each new one, so a restart misses nothing" };
        var region = new Option<string>("--region") { Description = "Only households in this dotted region (32.73)", DefaultValueFactory = _ => string.Empty };
        var program = new Option<string>("--program") { Description = "Only households in this program (PKH or BPNT)", DefaultValueFactory = _ => string.Empty };
        var command = new Command("follow", "Follow the registry's change feed: every change from a checkpoint on, then new ones as they happen") { after, checkpointFile, region, program };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Reported(async () =>
        {
            var file = result.GetValue(checkpointFile);
            var resumeAfter = result.GetValue(after);
            if (resumeAfter == 0 && file is { Exists: true })
            {
                resumeAfter = long.Parse((await File.ReadAllTextAsync(file.FullName, cancellationToken)).Trim(), CultureInfo.InvariantCulture);
            }

            var request = new StreamChangesRequest
            {
                AfterCheckpoint = resumeAfter,
                RegionPrefix = result.GetValue(region)!,
                Program = result.GetValue(program)!.ToUpperInvariant() switch
                {
                    "PKH" => Interop.Contracts.Registry.V1.Program.Pkh,
                    "BPNT" => Interop.Contracts.Registry.V1.Program.Bpnt,
                    "" => Interop.Contracts.Registry.V1.Program.Unspecified,
                    var other => throw new ArgumentException($"Unknown program {other}: use PKH or BPNT."),
                },
            };
            using var channel = partner.Open(result);
            using var call = new RegistryService.RegistryServiceClient(channel).StreamChanges(request, cancellationToken: cancellationToken);
            try
            {
                await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    if (response.Event is { } change)
                    {
                        AnsiConsole.MarkupLine(
                            $"[grey]#{response.Checkpoint}[/] {change.OccurTime.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss}Z household {change.HouseholdId} v{change.Version}: {Markup.Escape(Describe(change))} by [bold]{change.Actor.PartnerId}[/]");
                    }

                    if (file is not null)
                    {
                        await File.WriteAllTextAsync(file.FullName, response.Checkpoint.ToString(CultureInfo.InvariantCulture), cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C: the checkpoint file already holds the last change shown.
            }

            return 0;
        }, partner));
        return command;
    }

    public static Command Bench(PartnerOptions partner)
    {
        var households = new Option<int>("--households") { Description = "Households to ingest", DefaultValueFactory = _ => 1_000_000 };
        var seed = new Option<int>("--seed") { Description = "Generator seed", DefaultValueFactory = _ => 2026 };
        var callers = new Option<int>("--read-callers") { Description = "Concurrent callers in the read scenarios", DefaultValueFactory = _ => 64 };
        var seconds = new Option<int>("--read-seconds") { Description = "Length of each read scenario", DefaultValueFactory = _ => 20 };
        var hubPid = new Option<int?>("--hub-pid") { Description = "Process id of the hub, to sample its memory" };
        var database = new Option<string>("--database") { Description = "Connection string of the hub's PostgreSQL, for the COPY baseline", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Markdown report to write", DefaultValueFactory = _ => new FileInfo("docs/benchmarks.md") };
        var command = new Command("bench", "Benchmark a running hub against baselines measured in the same run and write the report") { households, seed, callers, seconds, hubPid, database, output };
        command.Subcommands.Add(BenchDisbursements(partner));
        command.Subcommands.Add(BenchAudit(partner));
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Reported(async () =>
        {
            var settings = new Bench.BenchmarkSettings(
                result.GetValue(households),
                result.GetValue(seed),
                result.GetValue(callers),
                TimeSpan.FromSeconds(result.GetValue(seconds)),
                result.GetValue(hubPid),
                result.GetValue(database)!,
                BenchCommandLine());
            using var channel = partner.Open(result, maxSendMessageBytes: 4 * 1024 * 1024);
            var report = await new Bench.Benchmark(channel, settings, line => AnsiConsole.MarkupLine(Markup.Escape(line))).RunAsync(cancellationToken);
            await File.WriteAllTextAsync(result.GetValue(output)!.FullName, report, cancellationToken);
            AnsiConsole.MarkupLine($"Report written to [bold]{Markup.Escape(result.GetValue(output)!.FullName)}[/]");
            return 0;
        }, partner));
        return command;
    }

    /// <summary>The command as run, the database's connection string (with its password) left out.</summary>
    private static string BenchCommandLine() =>
        "interop " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Select(argument => argument.Contains("Password", StringComparison.OrdinalIgnoreCase) ? "'<connection string>'" : argument));

    /// <summary><c>interop bench disbursements</c>: issue 13's benchmark against a hub whose register was seeded with payable households.</summary>
    private static Command BenchDisbursements(PartnerOptions partner)
    {
        var hubPid = new Option<int?>("--hub-pid") { Description = "Process id of the hub, to sample its memory" };
        var database = new Option<string>("--database") { Description = "Connection string of the hub's PostgreSQL, for the COPY baseline", Required = true };
        var work = new Option<DirectoryInfo>("--work") { Description = "Folder for the bank file", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(Path.GetTempPath(), "interop-bench")) };
        var output = new Option<FileInfo>("--out") { Description = "Markdown section to write", Required = true };
        var command = new Command("disbursements", "Benchmark batches, bank confirmations, a bank file and the report against a COPY of the same lines (the register seeded by `Interop.Hub seed-payable`)") { hubPid, database, work, output };
        command.Options.Add(partner.Hub);
        command.Options.Add(partner.Certs);
        command.SetAction((result, cancellationToken) => Reported(async () =>
        {
            var settings = new Bench.DisbursementBenchmarkSettings(
                new Uri(result.GetValue(partner.Hub)!),
                result.GetValue(partner.Certs)!.FullName,
                result.GetValue(hubPid),
                result.GetValue(database)!,
                BenchCommandLine(),
                typeof(Commands).Assembly.Location,
                result.GetValue(work)!.FullName);
            var report = await new Bench.DisbursementBenchmark(settings, line => AnsiConsole.MarkupLine(Markup.Escape(line))).RunAsync(cancellationToken);
            await File.WriteAllTextAsync(result.GetValue(output)!.FullName, report, cancellationToken);
            AnsiConsole.MarkupLine($"Report written to [bold]{Markup.Escape(result.GetValue(output)!.FullName)}[/]");
            return 0;
        }));
        return command;
    }

    /// <summary><c>interop bench audit</c>: issue 14's benchmark, one pass of scripts/bench-audit.sh (the log off: ingest only; the log on: everything).</summary>
    private static Command BenchAudit(PartnerOptions partner)
    {
        var households = new Option<int>("--households") { Description = "Households to ingest", DefaultValueFactory = _ => 1_000_000 };
        var history = new Option<int>("--history-events") { Description = "Events of the household replayed", DefaultValueFactory = _ => 1_000 };
        var hubPid = new Option<int?>("--hub-pid") { Description = "Process id of the hub" };
        var database = new Option<string>("--database") { Description = "Connection string of the hub's PostgreSQL", Required = true };
        var ingestOnly = new Option<bool>("--ingest-only") { Description = "The pass with the log off: ingest only, written to --out as JSON for the other pass" };
        var baseline = new Option<FileInfo?>("--baseline") { Description = "The log-off pass's result (--ingest-only --out)" };
        var output = new Option<FileInfo>("--out") { Description = "Markdown section (or, with --ingest-only, the JSON baseline) to write", Required = true };
        var command = new Command("audit", "Benchmark the audit log: ingest with it on against off, append to checkpoint, replay, proofs, full verification") { households, history, hubPid, database, ingestOnly, baseline, output };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Reported(async () =>
        {
            var settings = new Bench.AuditBenchmarkSettings(
                result.GetValue(households),
                2026,
                result.GetValue(history),
                result.GetValue(hubPid),
                result.GetValue(database)!,
                Environment.GetEnvironmentVariable("INTEROP_BENCH_REPRODUCE") ?? BenchCommandLine(),
                result.GetValue(baseline)?.FullName);
            using var channel = partner.Open(result, maxSendMessageBytes: 4 * 1024 * 1024);
            var benchmark = new Bench.AuditBenchmark(channel, settings, line => AnsiConsole.MarkupLine(Markup.Escape(line)));
            var text = result.GetValue(ingestOnly)
                ? System.Text.Json.JsonSerializer.Serialize(await benchmark.IngestOnlyAsync(cancellationToken))
                : await benchmark.RunAsync(cancellationToken);
            await File.WriteAllTextAsync(result.GetValue(output)!.FullName, text, cancellationToken);
            AnsiConsole.MarkupLine($"Written to [bold]{Markup.Escape(result.GetValue(output)!.FullName)}[/]");
            return 0;
        }, partner));
        return command;
    }

    /// <summary>A refusal from the hub is reported as its status and message, a bad file by its line, never as a stack trace.</summary>
    internal static async Task<int> Reported(Func<Task<int>> action, PartnerOptions? partner = null)
    {
        try
        {
            return await action();
        }
        catch (HouseholdCsv.FileProblem problem)
        {
            await Console.Error.WriteLineAsync($"error: {problem.Message}; nothing was sent.");
            return 4;
        }
        catch (RpcException) when (partner?.CertificateRefusal is { } refusal)
        {
            await Console.Error.WriteLineAsync($"error: the connection to the hub was refused because {refusal}; nothing was sent.");
            return 3;
        }
        catch (RpcException exception)
        {
            await Console.Error.WriteLineAsync($"error: {Describe(exception)}");
            return 3;
        }
        catch (Exception exception) when (exception is ArgumentException or IOException or System.Security.Cryptography.CryptographicException or FormatException)
        {
            await Console.Error.WriteLineAsync($"error: {exception.Message}");
            return 1;
        }
    }

    /// <summary>The call ended without the hub refusing it: the connection or the hub went away, or the clerk stopped it.</summary>
    private static bool IsCutOff(StatusCode code) => code is StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown;

    /// <summary>The hub's own status and message; a transport failure said as one, not as the hub's answer.</summary>
    private static string Describe(RpcException exception) => exception.StatusCode switch
    {
        StatusCode.Unavailable => $"the hub could not be reached or stopped answering (Unavailable: {exception.Status.Detail})",
        StatusCode.Cancelled => "the call was cancelled (Cancelled)",
        _ => $"the hub answered {exception.StatusCode}: {exception.Status.Detail}" + FieldsOf(exception),
    };

    /// <summary>The fields an INVALID_ARGUMENT names, one per line, as the hub described them.</summary>
    private static string FieldsOf(RpcException exception) =>
        exception.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>() is { FieldViolations.Count: > 0 } badRequest
            ? string.Concat(badRequest.FieldViolations.Select(violation => $"{Environment.NewLine}  {violation.Field}: {violation.Description}"))
            : string.Empty;

    private static string Describe(HouseholdEvent change) => change.ChangeCase switch
    {
        HouseholdEvent.ChangeOneofCase.HouseholdProposed =>
            $"proposed with {change.HouseholdProposed.Household.Members.Count} members in {change.HouseholdProposed.Household.VillageCode}",
        HouseholdEvent.ChangeOneofCase.IdentitiesVerified =>
            $"identities checked: {string.Join(", ", change.IdentitiesVerified.Checks.GroupBy(c => c.Verdict).Select(g => $"{g.Count()} {g.Key}"))}",
        HouseholdEvent.ChangeOneofCase.HouseholdRatified => "ratified",
        HouseholdEvent.ChangeOneofCase.ProposalRejected => "proposal rejected",
        HouseholdEvent.ChangeOneofCase.MemberAdded => $"member added ({HouseholdCsv.RelationshipName(change.MemberAdded.Member.Relationship)})",
        HouseholdEvent.ChangeOneofCase.MemberRemoved => "member removed",
        HouseholdEvent.ChangeOneofCase.AddressChanged => $"moved from {change.AddressChanged.PreviousVillageCode} to {change.AddressChanged.VillageCode}",
        HouseholdEvent.ChangeOneofCase.MemberDied => "member's death recorded",
        HouseholdEvent.ChangeOneofCase.ProgramEnrolled => $"enrolled in {change.ProgramEnrolled.Membership.Program}",
        HouseholdEvent.ChangeOneofCase.ProgramExited => $"left {change.ProgramExited.Program}",
        HouseholdEvent.ChangeOneofCase.HouseholdDeactivated => "deactivated",
        HouseholdEvent.ChangeOneofCase.RecipientAccountRequested => $"recipient's account requested at {change.RecipientAccountRequested.Bank}",
        HouseholdEvent.ChangeOneofCase.RecipientAccountOpened => $"recipient's account opened at {change.RecipientAccountOpened.Bank}",
        HouseholdEvent.ChangeOneofCase.RecipientAccountRefused => $"recipient's account refused by {change.RecipientAccountRefused.Bank} ({change.RecipientAccountRefused.ReasonCode})",
        HouseholdEvent.ChangeOneofCase.HeldForConflict => $"held in conflict case {change.HeldForConflict.ConflictCaseId}",
        HouseholdEvent.ChangeOneofCase.FlaggedAsLikelyDuplicate =>
            $"flagged as a likely duplicate (score {change.FlaggedAsLikelyDuplicate.Score:0.00}) in conflict case {change.FlaggedAsLikelyDuplicate.ConflictCaseId}",
        HouseholdEvent.ChangeOneofCase.HouseholdSplit => $"{change.HouseholdSplit.Niks.Count} member(s) split off to household {change.HouseholdSplit.NewHouseholdId}",
        HouseholdEvent.ChangeOneofCase.SplitOff => $"formed by {change.SplitOff.Household.Members.Count} member(s) splitting from household {change.SplitOff.FromHouseholdId}",
        HouseholdEvent.ChangeOneofCase.FamilyJoined => $"the family of household {change.FamilyJoined.FromHouseholdId} joined ({change.FamilyJoined.Members.Count} member(s))",
        HouseholdEvent.ChangeOneofCase.JoinedFamily => $"family joined household {change.JoinedFamily.SurvivorHouseholdId}",
        HouseholdEvent.ChangeOneofCase.IdentityExceptionGranted => "identity exception granted for a person the civil registry has not confirmed",
        HouseholdEvent.ChangeOneofCase.ConflictCleared => $"conflict case {change.ConflictCleared.ConflictCaseId} cleared",
        HouseholdEvent.ChangeOneofCase.MergedInto => $"merged into {change.MergedInto.SurvivorHouseholdId}",
        HouseholdEvent.ChangeOneofCase.DuplicateMerged => $"duplicate {change.DuplicateMerged.MergedHouseholdId} merged in",
        HouseholdEvent.ChangeOneofCase.ChangeAwaitingApproval =>
            $"asked for {change.ChangeAwaitingApproval.PendingChange.ChangeCase} (change {change.ChangeAwaitingApproval.PendingChange.ChangeId}), awaiting approval",
        HouseholdEvent.ChangeOneofCase.ChangeApproved => $"approved change {change.ChangeApproved.ChangeId}",
        HouseholdEvent.ChangeOneofCase.ChangeRejected => $"rejected change {change.ChangeRejected.ChangeId}",
        _ => change.ChangeCase.ToString(),
    };

    private sealed record OutcomeRow(
        [property: CsvHelper.Configuration.Attributes.Name("row")] int Row,
        [property: CsvHelper.Configuration.Attributes.Name("partner_reference")] string PartnerReference,
        [property: CsvHelper.Configuration.Attributes.Name("outcome")] string Outcome,
        [property: CsvHelper.Configuration.Attributes.Name("household_id")] string HouseholdId,
        [property: CsvHelper.Configuration.Attributes.Name("code")] string Code,
        [property: CsvHelper.Configuration.Attributes.Name("detail")] string Detail)
    {
        public static OutcomeRow From(int row, SubmitHouseholdsResponse outcome)
        {
            if (outcome.OutcomeCase == SubmitHouseholdsResponse.OutcomeOneofCase.Accepted)
            {
                return new(row, outcome.PartnerReference, "accepted", outcome.Accepted.HouseholdId, "OK", string.Join("; ", outcome.Warnings.Select(w => $"warning {w.Field}: {w.Description}")));
            }

            var details = outcome.Refused.Details
                .Where(any => any.Is(Google.Rpc.BadRequest.Descriptor))
                .SelectMany(any => any.Unpack<Google.Rpc.BadRequest>().FieldViolations)
                .Select(v => $"{v.Field}: {v.Description}");
            return new(row, outcome.PartnerReference, "refused", string.Empty, ((StatusCode)outcome.Refused.Code).ToString(), string.Join("; ", details.DefaultIfEmpty(outcome.Refused.Message)));
        }
    }
}
