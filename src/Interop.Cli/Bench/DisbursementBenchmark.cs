using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Interop.Cli.BankFiles;
using Interop.Contracts.Disbursement.V1;
using Npgsql;
using NpgsqlTypes;

namespace Interop.Cli.Bench;

/// <summary>Settings of one disbursement benchmark run against a hub whose register holds payable households (<c>Interop.Hub seed-payable</c>).</summary>
/// <param name="CliAssembly">The <c>interop</c> assembly, run as a child process for the file import so that its memory is its own.</param>
/// <param name="WorkFolder">Where the bank file is written.</param>
public sealed record DisbursementBenchmarkSettings(Uri Hub, string Certs, int? HubProcessId, string DatabaseConnectionString, string CommandLine, string CliAssembly, string WorkFolder);

/// <summary>
/// Issue 13's benchmark: a PKH batch issued from the whole register and sealed; both banks reading
/// their feeds, then confirming every line at once over gRPC (accepted for settlement, ACSP) with
/// 5 % of the confirmations resent and 1 % contradicting an earlier one; a second stage issued; BRI's
/// camt.054 of a million credits (both stages' BRI lines, settled) imported by the CLI in a process of
/// its own; the reconciliation report. Every rate is set beside a binary <c>COPY</c> of the same lines
/// into a plain table in the same run, and the hub's and the CLI's peak memory are sampled.
/// </summary>
public sealed class DisbursementBenchmark(DisbursementBenchmarkSettings settings, Action<string> progress)
{
    private const string Steward = "kemensos-pusdatin";

    private static readonly string[] Banks = ["bri", "bni"];

    /// <summary>Every twentieth confirmation is followed by a resend of one sent ten before (5 %).</summary>
    private const int ResendEvery = 20;

    /// <summary>Every hundredth is followed by an older status for a line confirmed five before (1 %): a contradiction.</summary>
    private const int ContradictEvery = 100;

    private const int ReportRuns = 5;

    /// <summary>Confirmations a bank sends a message.</summary>
    private const int Group = 500;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var hubMemory = MemorySampler.Start(settings.HubProcessId);
        var settled = await StoreSettling.SettleAsync(settings.DatabaseConnectionString, cancellationToken);
        progress($"store settled in {settled.TotalSeconds:N0} s");
        using var steward = Open(Steward, "disbursement-issuing");
        var banks = Banks.ToDictionary(bank => bank, bank => Open(bank, "disbursement-payment"));
        try
        {
            var batches = new DisbursementBatchService.DisbursementBatchServiceClient(steward);
            var runId = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            var cutOff = DateTimeOffset.UtcNow;

            var (stage3, issue3, seal3) = await IssueAndSealAsync(batches, $"BENCH-{runId}-S3", 3, cutOff, cancellationToken);
            progress($"stage 3 issued: {stage3.Totals.LineCount:N0} lines in {issue3.Elapsed.TotalSeconds:N1} s, sealed in {seal3.Elapsed.TotalSeconds:N1} s");
            var feeds = await ReadFeedsAsync(banks, banks.Keys.ToDictionary(bank => bank, _ => string.Empty), cancellationToken);
            progress($"feeds read: {feeds.Measured.Count:N0} lines in {feeds.Measured.Elapsed.TotalSeconds:N1} s");
            var lines = feeds.Lines.Values.SelectMany(list => list).ToList();
            var copy = await CopyBaselineAsync(lines, cancellationToken);
            progress($"COPY baseline: {copy.Rate:N0} rows/s");
            var confirmed = await ConfirmAsync(banks, feeds.Lines, cancellationToken);
            progress($"confirmations: {confirmed.Measured.Rate:N0}/s");

            var (stage4, issue4, seal4) = await IssueAndSealAsync(batches, $"BENCH-{runId}-S4", 4, cutOff, cancellationToken);
            progress($"stage 4 issued: {stage4.Totals.LineCount:N0} lines in {issue4.Elapsed.TotalSeconds:N1} s");
            var bri = Banks[0];
            var stage4Feed = await ReadFeedsAsync(new Dictionary<string, GrpcChannel> { [bri] = banks[bri] }, new Dictionary<string, string> { [bri] = feeds.Checkpoints[bri] }, cancellationToken);
            progress($"BRI's stage 4 feed read: {stage4Feed.Measured.Count:N0} lines in {stage4Feed.Measured.Elapsed.TotalSeconds:N1} s");
            var file = await WriteFileAsync(bri, [.. feeds.Lines[bri], .. stage4Feed.Lines[bri]], cancellationToken);
            progress($"camt.054 of {file.Entries:N0} entries written ({file.Bytes / 1024.0 / 1024.0:N0} MiB)");
            var import = await ImportAsync(bri, file, cancellationToken);
            progress($"file imported: {import.Measured.Rate:N0} entries/s, CLI peak {Mib(import.PeakCliBytes)}");
            var report = await ReportAsync(batches, stage3, cancellationToken);
            progress($"report: median {report.Median.TotalSeconds:N2} s");
            return Report(settled, copy, issue3, seal3, issue4, feeds.Measured, confirmed, file, import, report, await hubMemory.StopAsync());
        }
        finally
        {
            foreach (var channel in banks.Values)
            {
                channel.Dispose();
            }
        }
    }

    private GrpcChannel Open(string partner, string purpose) =>
        HubConnection.Open(
            settings.Hub,
            X509Certificate2.CreateFromPemFile(Path.Combine(settings.Certs, $"{partner}.crt"), Path.Combine(settings.Certs, $"{partner}.key")),
            X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(settings.Certs, "ca.crt"))),
            purpose: purpose);

    private async Task<(Batch Batch, Measured Issue, Measured Seal)> IssueAndSealAsync(
        DisbursementBatchService.DisbursementBatchServiceClient batches, string reference, int stage, DateTimeOffset cutOff, CancellationToken cancellationToken)
    {
        var memory = MemorySampler.Start(settings.HubProcessId);
        var clock = Stopwatch.StartNew();
        var issued = (await batches.IssueBatchAsync(
            new IssueBatchRequest
            {
                BatchReference = reference,
                Program = Interop.Contracts.Disbursement.V1.Program.Pkh,
                Year = 2026,
                Stage = stage,
                CutOffTime = Timestamp.FromDateTimeOffset(cutOff),
                PaymentDeadline = Timestamp.FromDateTimeOffset(cutOff.AddDays(30)),
                Reason = "benchmark batch",
            },
            cancellationToken: cancellationToken)).Batch;
        var issue = new Measured((int)issued.Totals.LineCount, clock.Elapsed, await memory.StopAsync());
        memory = MemorySampler.Start(settings.HubProcessId);
        clock.Restart();
        var sealedBatch = (await batches.SealBatchAsync(
            new SealBatchRequest { BatchId = issued.BatchId, ControlTotals = issued.Totals, Reason = "benchmark totals" }, cancellationToken: cancellationToken)).Batch;
        return (sealedBatch, issue, new Measured((int)issued.Totals.LineCount, clock.Elapsed, await memory.StopAsync()));
    }

    /// <summary>Each bank reads its feed after its checkpoint to the end, all at once.</summary>
    private async Task<Feeds> ReadFeedsAsync(IReadOnlyDictionary<string, GrpcChannel> banks, IReadOnlyDictionary<string, string> after, CancellationToken cancellationToken)
    {
        var memory = MemorySampler.Start(settings.HubProcessId);
        var clock = Stopwatch.StartNew();
        var read = await Task.WhenAll(banks.Select(async bank =>
        {
            var lines = new List<LineToPay>();
            var checkpoint = after[bank.Key];
            using var call = new PaymentService.PaymentServiceClient(bank.Value).StreamLines(new StreamLinesRequest { AfterCheckpoint = checkpoint }, cancellationToken: cancellationToken);
            await foreach (var message in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                checkpoint = message.Checkpoint;
                if (message.Pay is { } pay)
                {
                    lines.Add(pay);
                }
            }

            return (Bank: bank.Key, Lines: lines, Checkpoint: checkpoint);
        }));
        var elapsed = clock.Elapsed;
        return new Feeds(
            read.ToDictionary(bank => bank.Bank, bank => bank.Lines),
            read.ToDictionary(bank => bank.Bank, bank => bank.Checkpoint),
            new Measured(read.Sum(bank => bank.Lines.Count), elapsed, await memory.StopAsync()));
    }

    /// <summary>The same lines, as the banks received them, by binary COPY into a plain table with a primary key: the ceiling of writing them.</summary>
    private async Task<Measured> CopyBaselineAsync(List<LineToPay> lines, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(settings.DatabaseConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var create = new NpgsqlCommand(
            "drop table if exists bench_copy_lines; create table bench_copy_lines (end_to_end_id text primary key, batch_id uuid not null, line_number bigint not null, household_id uuid not null, recipient_name text not null, account_number text not null, amount bigint not null)",
            connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var memory = MemorySampler.Start(settings.HubProcessId);
        var clock = Stopwatch.StartNew();
        await using (var import = await connection.BeginBinaryImportAsync(
            "copy bench_copy_lines (end_to_end_id, batch_id, line_number, household_id, recipient_name, account_number, amount) from stdin (format binary)", cancellationToken))
        {
            foreach (var line in lines)
            {
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(line.EndToEndId, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(Guid.Parse(line.BatchId), NpgsqlDbType.Uuid, cancellationToken);
                await import.WriteAsync(line.LineNumber, NpgsqlDbType.Bigint, cancellationToken);
                await import.WriteAsync(Guid.Parse(line.HouseholdId), NpgsqlDbType.Uuid, cancellationToken);
                await import.WriteAsync(line.RecipientName, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(line.AccountNumber, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(line.Amount, NpgsqlDbType.Bigint, cancellationToken);
            }

            await import.CompleteAsync(cancellationToken);
        }

        clock.Stop();
        await using (var drop = new NpgsqlCommand("drop table bench_copy_lines", connection))
        {
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        return new Measured(lines.Count, clock.Elapsed, await memory.StopAsync());
    }

    /// <summary>The confirmations one bank sends for its lines: each accepted (ACSP), with resends and contradictions among them.</summary>
    private static IEnumerable<PaymentConfirmation> ConfirmationsOf(string bank, List<LineToPay> lines)
    {
        PaymentConfirmation Accepted(int index) => new()
        {
            EndToEndId = lines[index].EndToEndId,
            Status = PaymentStatus.AcceptedInProcess,
            Amount = lines[index].Amount,
            Currency = "IDR",
            BankReference = $"{bank.ToUpperInvariant()}-{index + 1:D9}",
        };

        for (var index = 0; index < lines.Count; index++)
        {
            yield return Accepted(index);
            if (index % ResendEvery == ResendEvery - 1 && index >= 10)
            {
                yield return Accepted(index - 10);
            }

            if (index % ContradictEvery == ContradictEvery - 1 && index >= 5)
            {
                var older = Accepted(index - 5);
                older.Status = PaymentStatus.Pending;
                yield return older;
            }
        }
    }

    private async Task<Confirmed> ConfirmAsync(IReadOnlyDictionary<string, GrpcChannel> banks, IReadOnlyDictionary<string, List<LineToPay>> lines, CancellationToken cancellationToken)
    {
        var memory = MemorySampler.Start(settings.HubProcessId);
        var clock = Stopwatch.StartNew();
        var answered = await Task.WhenAll(banks.Select(bank => Task.Run(
            () => StreamAsync(new PaymentService.PaymentServiceClient(bank.Value), ConfirmationsOf(bank.Key, lines[bank.Key]), cancellationToken), cancellationToken)));
        var elapsed = clock.Elapsed;
        var results = answered.SelectMany(counts => counts).GroupBy(pair => pair.Key).ToDictionary(group => group.Key, group => group.Sum(pair => pair.Value));
        var sent = lines.Sum(bank => ConfirmationsOf(bank.Key, bank.Value).LongCount());
        return new Confirmed(new Measured((int)sent, elapsed, await memory.StopAsync()), lines.Sum(bank => bank.Value.Count), results);
    }

    /// <summary>One ConfirmPayments stream: written a group a message while the answers are counted as they come.</summary>
    private static async Task<Dictionary<ConfirmationResult, long>> StreamAsync(PaymentService.PaymentServiceClient client, IEnumerable<PaymentConfirmation> confirmations, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<ConfirmationResult, long>();
        using var call = client.ConfirmPayments(cancellationToken: cancellationToken);
        var reading = Task.Run(async () =>
        {
            await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                foreach (var answer in response.Answers)
                {
                    counts[answer.Result] = counts.GetValueOrDefault(answer.Result) + 1;
                }
            }
        }, cancellationToken);
        foreach (var group in confirmations.Chunk(Group))
        {
            await call.RequestStream.WriteAsync(new ConfirmPaymentsRequest { Confirmations = { group } }, cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        await reading;
        return counts;
    }

    /// <summary>The bank's camt.054: a booked credit (settled) for each of its lines given.</summary>
    private async Task<BankFile> WriteFileAsync(string bank, List<LineToPay> lines, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.WorkFolder);
        var path = Path.Combine(settings.WorkFolder, $"{bank}-camt054-bench.xml");
        var transactions = lines.Select((line, index) => new SampleTransaction(line.EndToEndId, PaymentStatus.Settled, string.Empty, line.Amount, $"{bank.ToUpperInvariant()}-CR-{index + 1:D9}")).ToList();
        await BankFileWriter.WriteAsync(path, BankFileKind.Camt054, bank, transactions, FileBreak.None, cancellationToken);
        return new BankFile(path, transactions.Count, new FileInfo(path).Length);
    }

    /// <summary><c>interop disbursements confirm-file</c> as a bank runs it, in a process of its own, its memory sampled.</summary>
    private async Task<Imported> ImportAsync(string bank, BankFile file, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["COLUMNS"] = "200" },
        };
        foreach (var argument in new[] { settings.CliAssembly, "disbursements", "confirm-file", file.Path, "--hub", settings.Hub.ToString(), "--partner", bank, "--certs", settings.Certs, "--purpose", "disbursement-payment" })
        {
            start.ArgumentList.Add(argument);
        }

        var hubMemory = MemorySampler.Start(settings.HubProcessId);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The CLI did not start.");
        var cliMemory = MemorySampler.Start(process.Id);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var elapsed = clock.Elapsed;
        var said = (await output).Trim() + (await errors).Trim();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The file import exited with {process.ExitCode}: {said}");
        }

        return new Imported(new Measured(file.Entries, elapsed, await hubMemory.StopAsync()), await cliMemory.StopAsync(), said.Split('\n').Last().Trim());
    }

    /// <summary>The steward's report of the batch, asked for several times; each must add up to the control totals.</summary>
    private async Task<Reported> ReportAsync(DisbursementBatchService.DisbursementBatchServiceClient batches, Batch batch, CancellationToken cancellationToken)
    {
        var times = new List<TimeSpan>();
        ReconciliationReport? last = null;
        var memory = MemorySampler.Start(settings.HubProcessId);
        for (var run = 0; run < ReportRuns; run++)
        {
            var clock = Stopwatch.StartNew();
            last = (await batches.GetReconciliationReportAsync(new GetReconciliationReportRequest { BatchId = batch.BatchId }, cancellationToken: cancellationToken)).Report;
            times.Add(clock.Elapsed);
            if (!last.Counted.Equals(batch.Totals) || last.Rows.Sum(row => row.Lines) != batch.Totals.LineCount || last.Rows.Sum(row => row.InstructedAmount) != batch.Totals.Amount)
            {
                throw new InvalidOperationException("The report does not add up to the batch's control totals.");
            }
        }

        times.Sort();
        return new Reported(times[times.Count / 2], times[^1], last!, await memory.StopAsync());
    }

    private string Report(
        TimeSpan settled, Measured copy, Measured issue3, Measured seal3, Measured issue4, Measured feeds, Confirmed confirmed, BankFile file, Imported import, Reported report, long? hubPeak)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## Disbursements: {issue3.Count:N0} lines issued, confirmed by two banks, a {file.Entries:N0}-entry camt.054, the report").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- When: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, on {Environment.ProcessorCount} cores; hub, PostgreSQL, the benchmark and the CLI share them.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Command: `{settings.CommandLine}`");
        if (Environment.GetEnvironmentVariable("INTEROP_BENCH_REPRODUCE") is { Length: > 0 } reproduce)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- Reproduce (a fresh hub and database, seeded, then the command above): `{reproduce}`");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"- The register: payable synthetic households written by `Interop.Hub seed-payable` (every NIK confirmed, ratified, enrolled in PKH, the recipient's account opened, half at BRI and half at BNI); the store settled for {settled.TotalSeconds:N0} s before the run.");
        text.AppendLine();
        text.AppendLine("| step | items | seconds | items/s | against COPY | hub peak RSS |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        void Row(string step, Measured measured) =>
            text.AppendLine(CultureInfo.InvariantCulture, $"| {step} | {measured.Count:N0} | {measured.Elapsed.TotalSeconds:N1} | {measured.Rate:N0} | {measured.Rate / copy.Rate:P1} | {Mib(measured.PeakHubBytes)} |");
        Row("PostgreSQL COPY of the same lines (baseline)", copy);
        Row("IssueBatch, stage 3 (lines from the register at the cut-off)", issue3);
        Row("SealBatch, stage 3 (totals counted from the stored lines)", seal3);
        Row("StreamLines, both banks at once", feeds);
        Row("ConfirmPayments, both banks at once (confirmations sent)", confirmed.Measured);
        Row($"IssueBatch, stage 4 ({issue3.Count:N0} lines already stored)", issue4);
        Row($"camt.054 import by the CLI ({file.Bytes / 1024.0 / 1024.0:N0} MiB file, checked whole, then applied)", import.Measured);
        text.AppendLine();
        var results = string.Join(", ", confirmed.Results.OrderBy(pair => pair.Key).Select(pair => $"{pair.Value:N0} {pair.Key}"));
        text.AppendLine(CultureInfo.InvariantCulture, $"- Confirmations: {confirmed.Measured.Count:N0} sent for {confirmed.Lines:N0} lines ({ResendEvery}th resent, {ContradictEvery}th contradicting); the hub answered {results}. They ran at **{confirmed.Measured.Rate / copy.Rate:P1}** of the COPY rate (target at least 25 %).");
        text.AppendLine(CultureInfo.InvariantCulture, $"- The file: BRI's camt.054 of {file.Entries:N0} booked credits (its stage 3 lines, accepted over gRPC before, and its stage 4 lines), imported in **{import.Measured.Elapsed.TotalSeconds:N1} s** (target under 60 s) with the CLI's peak memory at **{Mib(import.PeakCliBytes)}** (target under 256 MiB). The CLI said: \"{import.Said}\"");
        text.AppendLine(CultureInfo.InvariantCulture, $"- The report of stage 3 ({report.Last.Counted.LineCount:N0} lines, {report.Last.Rows.Count:N0} rows by bank, regency and outcome, adding up to the control totals): median **{report.Median.TotalSeconds:N2} s**, slowest {report.Slowest.TotalSeconds:N2} s of {ReportRuns} (target under 5 s).");
        text.AppendLine(CultureInfo.InvariantCulture, $"- The hub's peak memory over the whole run: **{Mib(hubPeak)}** (target under 1.5 GiB).");
        var outcomes = report.Last.Rows.GroupBy(row => row.Outcome).OrderBy(group => group.Key).Select(group => $"{group.Sum(row => row.Lines):N0} {group.Key}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Stage 3's lines in the report: {string.Join(", ", outcomes)}.");
        return text.ToString();
    }

    private static string Mib(long? bytes) => bytes is { } value ? $"{value / 1024.0 / 1024.0:N0} MiB" : "not measured";

    private sealed record Feeds(Dictionary<string, List<LineToPay>> Lines, Dictionary<string, string> Checkpoints, Measured Measured);

    private sealed record Confirmed(Measured Measured, int Lines, Dictionary<ConfirmationResult, long> Results);

    private sealed record BankFile(string Path, int Entries, long Bytes);

    private sealed record Imported(Measured Measured, long? PeakCliBytes, string Said);

    private sealed record Reported(TimeSpan Median, TimeSpan Slowest, ReconciliationReport Last, long? PeakHubBytes);

    private sealed record Measured(int Count, TimeSpan Elapsed, long? PeakHubBytes)
    {
        public double Rate => Count / Elapsed.TotalSeconds;
    }
}
