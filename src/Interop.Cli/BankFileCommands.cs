using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Interop.Cli.BankFiles;
using Interop.Contracts.Disbursement.V1;
using Spectre.Console;

namespace Interop.Cli;

/// <summary>
/// A bank's ISO 20022 files through the hub: <c>confirm-file</c> reads a pain.002, camt.054 or camt.053
/// file (streaming), checks all of it (its structure and totals here, each entry against the bank's
/// lines at the hub without storing anything), and only then applies it, all or nothing unless
/// <c>--partial</c>; <c>generate-file</c> writes sample files from the bank's lines, broken on request.
/// </summary>
internal static class BankFileCommands
{
    /// <summary>At most this many problems are listed one by one; the rest are counted.</summary>
    private const int ListedProblems = 50;

    /// <summary>Confirmations sent a message (the hub takes up to 1,000).</summary>
    private const int Group = 500;

    public static Command Confirm(PartnerOptions partner)
    {
        var file = new Argument<FileInfo>("file") { Description = "The bank's pain.002, camt.054 or camt.053 file" };
        var partial = new Option<bool>("--partial") { Description = "Apply the entries without problems even when others have some, and say exactly which were not applied" };
        var command = new Command("confirm-file", "Check a bank's ISO 20022 file whole, then stream its entries to the hub as confirmations (a bank)") { file, partial };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            using var channel = partner.Open(result);
            var client = new PaymentService.PaymentServiceClient(channel);
            var path = result.GetValue(file)!.FullName;
            using var spool = EntrySpool.Create();
            FileCheck check;
            try
            {
                check = await CheckAsync(client, path, spool, cancellationToken);
            }
            catch (BankFileException refused)
            {
                // Not a file of the three messages at all (another message, a DTD, not XML): nothing to take from it.
                AnsiConsole.MarkupLine($"[red]File refused: {Markup.Escape(refused.Message)}; nothing was applied.[/]");
                return 2;
            }

            foreach (var problem in check.Problems.Take(ListedProblems))
            {
                AnsiConsole.MarkupLine(Markup.Escape(problem.Describe()));
            }

            if (check.Problems.Count > ListedProblems)
            {
                AnsiConsole.MarkupLine($"... and {check.Problems.Count - ListedProblems:N0} more problem(s).");
            }

            var problemCount = check.Problems.Count;
            if (problemCount > 0 && !result.GetValue(partial))
            {
                AnsiConsole.MarkupLine($"[red]File refused: {problemCount:N0} problem(s) in {check.Entries:N0} entr{(check.Entries == 1 ? "y" : "ies")}; nothing was applied.[/] Correct the file, or apply the rest with --partial.");
                return 2;
            }

            var skipped = check.Problems.Select(problem => problem.Entry).Where(entry => entry > 0).ToHashSet();
            var applied = new FileApplied();
            try
            {
                await ApplyAsync(client, spool, skipped, applied, cancellationToken);
            }
            catch (RpcException)
            {
                // What the hub answered before the call failed is applied: say so before the failure itself.
                AnsiConsole.MarkupLine($"[red]Applying stopped after {applied.Applied + applied.Already:N0} entr{(applied.Applied + applied.Already == 1 ? "y" : "ies")} were answered ({applied.Applied:N0} applied, {applied.Already:N0} already applied before); the rest were not applied. Run the same file again: what was applied is answered as already applied.[/]");
                throw;
            }

            AnsiConsole.MarkupLine(
                $"Applied {applied.Applied:N0} entr{(applied.Applied == 1 ? "y" : "ies")}, {applied.Already:N0} already applied before"
                + (applied.AmountDiffers > 0 ? $" ({applied.AmountDiffers:N0} for another amount than the line)" : string.Empty)
                + $"; not applied: {skipped.Count + applied.Refused.Count:N0}.");
            foreach (var refused in applied.Refused.Take(ListedProblems))
            {
                AnsiConsole.MarkupLine(Markup.Escape(refused.Describe()));
            }

            if (check.Broken is not null)
            {
                AnsiConsole.MarkupLine($"Entries after {check.LastWhole:N0} were not read: the file breaks off there.");
            }

            return problemCount == 0 && applied.Refused.Count == 0 ? 0 : 3;
        }, partner));
        return command;
    }

    public static Command Generate()
    {
        var output = new Option<FileInfo>("--out") { Description = "Where to write the file", Required = true };
        var format = new Option<string>("--format") { Description = "pain.002, camt.054 or camt.053", DefaultValueFactory = _ => "camt.054" };
        var lines = new Option<FileInfo>("--lines") { Description = "The bank's lines as `interop disbursements lines` wrote them (CSV)", Required = true };
        var breaks = new Option<string[]>("--break") { Description = "Break the file: unknown-id, wrong-amount, repeated-entry, wrong-totals, truncated", AllowMultipleArgumentsPerToken = true };
        var bank = new Option<string>("--bank") { Description = "The bank's partner id", DefaultValueFactory = _ => "bri" };
        var command = new Command("generate-file", "Write a bank's sample confirmation file for its lines, settled, optionally broken on purpose") { output, format, lines, breaks, bank };
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            var kind = KindOf(result.GetValue(format)!);
            var wanted = FileBreak.None;
            foreach (var name in result.GetValue(breaks) ?? [])
            {
                wanted |= name switch
                {
                    "unknown-id" => FileBreak.UnknownId,
                    "wrong-amount" => FileBreak.WrongAmount,
                    "repeated-entry" => FileBreak.RepeatedEntry,
                    "wrong-totals" => FileBreak.WrongTotals,
                    "truncated" => FileBreak.Truncated,
                    _ => throw new ArgumentException($"--break {name}: not a way to break a file (unknown-id, wrong-amount, repeated-entry, wrong-totals, truncated)"),
                };
            }

            var transactions = ReadLines(result.GetValue(lines)!.FullName);
            await BankFileWriter.WriteAsync(result.GetValue(output)!.FullName, kind, result.GetValue(bank)!, transactions, wanted, cancellationToken);
            AnsiConsole.MarkupLine($"{transactions.Count:N0} entr{(transactions.Count == 1 ? "y" : "ies")} written to {Markup.Escape(result.GetValue(output)!.FullName)}.");
            return 0;
        }));
        return command;
    }

    /// <summary>One problem of a file: the entry (0 for the file as a whole), its end-to-end id, why.</summary>
    internal sealed record FileProblem(long Entry, string EndToEndId, string Reason)
    {
        public string Describe() => Entry == 0 ? $"file: {Reason}" : $"entry {Entry:N0}{(EndToEndId.Length > 0 ? $" ({Printable(EndToEndId)})" : string.Empty)}: {Reason}";

        /// <summary>A value from the file as it may be printed: at most 35 characters, no control characters (no terminal escapes).</summary>
        private static string Printable(string value) => new([.. value.Where(character => !char.IsControl(character)).Take(35)]);
    }

    private sealed record FileCheck(long Entries, long LastWhole, List<FileProblem> Problems, string? Broken);

    /// <summary>What pass two applied, counted as the answers come.</summary>
    private sealed class FileApplied
    {
        public long Applied { get; private set; }

        public long Already { get; private set; }

        public long AmountDiffers { get; private set; }

        public List<FileProblem> Refused { get; } = [];

        public void Count(ConfirmationAnswer answer, long entry, string endToEndId)
        {
            switch (answer.Result)
            {
                case ConfirmationResult.Applied:
                    Applied++;
                    AmountDiffers += answer.AmountDiffers ? 1 : 0;
                    break;
                case ConfirmationResult.AlreadyApplied:
                    Already++;
                    break;
                default:
                    Refused.Add(new(entry, endToEndId, Problem(answer) ?? "refused by the hub"));
                    break;
            }
        }
    }

    /// <summary>
    /// Pass one: reads the whole file, checks each entry's structure, finds entries repeated within the
    /// file, checks the totals the file declares, and asks the hub what each entry would come to
    /// (CheckPayments stores nothing). The entries sent are kept in <paramref name="spool"/>, so that
    /// pass two applies exactly what was checked, however the file changes meanwhile.
    /// </summary>
    private static async Task<FileCheck> CheckAsync(PaymentService.PaymentServiceClient client, string path, EntrySpool spool, CancellationToken cancellationToken)
    {
        var problems = new List<FileProblem>();
        using var reader = BankFileReader.Open(path);
        using var call = client.CheckPayments(cancellationToken: cancellationToken);
        var sent = new Queue<(long Entry, string EndToEndId)>();
        var answers = ReadAnswersAsync(call.ResponseStream, sent, problems, cancellationToken);
        var seen = new HashSet<ulong>();
        var byStatus = new Dictionary<PaymentStatus, (long Count, decimal Sum)>();
        long entries = 0;
        long lastWhole = 0;
        string? broken = null;
        var group = new CheckPaymentsRequest();
        try
        {
            foreach (var entry in reader.Entries())
            {
                entries = entry.Number;
                lastWhole = entry.Number;
                var (count, sum) = byStatus.GetValueOrDefault(entry.Status);
                byStatus[entry.Status] = (count + 1, sum + entry.Amount);
                if (entry.Problem is { } problem)
                {
                    Add(problems, new(entry.Number, entry.EndToEndId, problem));
                    continue;
                }

                if (!seen.Add(BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"{entry.EndToEndId}|{entry.Status}")))))
                {
                    Add(problems, new(entry.Number, entry.EndToEndId, "repeats an earlier entry of the file for the same end-to-end id and status"));
                    continue;
                }

                var confirmation = entry.ToConfirmation();
                spool.Add(entry.Number, confirmation);
                lock (sent)
                {
                    sent.Enqueue((entry.Number, entry.EndToEndId));
                }

                group.Confirmations.Add(confirmation);
                if (group.Confirmations.Count == Group)
                {
                    await call.RequestStream.WriteAsync(group, cancellationToken);
                    group = new CheckPaymentsRequest();
                }
            }
        }
        catch (BankFileException exception)
        {
            broken = exception.Message;
        }

        if (group.Confirmations.Count > 0)
        {
            await call.RequestStream.WriteAsync(group, cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        await answers;
        if (broken is not null)
        {
            problems.Add(new(0, string.Empty, broken));
        }

        if (entries == 0 && broken is null)
        {
            problems.Add(new(0, string.Empty, "the file holds no transaction (no TxInfAndSts or Ntry in its message's namespace)"));
        }

        problems.AddRange(reader.TotalsProblems(byStatus).Select(problem => new FileProblem(0, string.Empty, problem)));
        problems.Sort((left, right) => left.Entry.CompareTo(right.Entry));
        return new FileCheck(entries, lastWhole, problems, broken);
    }

    private static async Task ReadAnswersAsync(IAsyncStreamReader<CheckPaymentsResponse> responses, Queue<(long Entry, string EndToEndId)> sent, List<FileProblem> problems, CancellationToken cancellationToken)
    {
        await foreach (var response in responses.ReadAllAsync(cancellationToken))
        {
            foreach (var answer in response.Answers)
            {
                var entry = Dequeue(sent);
                if (Problem(answer) is { } problem)
                {
                    Add(problems, new(entry.Entry, entry.EndToEndId, problem));
                }
            }
        }
    }

    /// <summary>The entry the next answer is about: answers come back in the order the entries were sent.</summary>
    private static (long Entry, string EndToEndId) Dequeue(Queue<(long Entry, string EndToEndId)> sent)
    {
        lock (sent)
        {
            return sent.Dequeue();
        }
    }

    /// <summary>Problems are found by the reader and by the hub's answers at once: one lock for both.</summary>
    private static void Add(List<FileProblem> problems, FileProblem problem)
    {
        lock (problems)
        {
            problems.Add(problem);
        }
    }

    /// <summary>Why the hub would not take the entry as it stands; null when it would (applied, or applied before).</summary>
    private static string? Problem(ConfirmationAnswer answer) => answer.Result switch
    {
        ConfirmationResult.Applied when answer.AmountDiffers => "the amount differs from what the line instructs",
        ConfirmationResult.Applied or ConfirmationResult.AlreadyApplied => null,
        ConfirmationResult.UnknownLine => "no line of this bank has that end-to-end id",
        ConfirmationResult.KeptForReview => answer.Refusal?.Message ?? "contradicts what the bank confirmed before",
        _ => answer.Refusal?.Message ?? "refused by the hub",
    };

    /// <summary>Pass two: the entries pass one checked (from its spool), less those with problems, streamed as confirmations; the tally so far is kept if the call fails.</summary>
    private static async Task ApplyAsync(PaymentService.PaymentServiceClient client, EntrySpool spool, IReadOnlySet<long> skipped, FileApplied tally, CancellationToken cancellationToken)
    {
        using var call = client.ConfirmPayments(cancellationToken: cancellationToken);
        var sent = new Queue<(long Entry, string EndToEndId)>();
        var answers = Task.Run(
            async () =>
            {
                await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    foreach (var answer in response.Answers)
                    {
                        var entry = Dequeue(sent);
                        tally.Count(answer, entry.Entry, entry.EndToEndId);
                    }
                }
            },
            cancellationToken);
        var group = new ConfirmPaymentsRequest();
        try
        {
            foreach (var (number, confirmation) in spool.Entries())
            {
                if (skipped.Contains(number))
                {
                    continue;
                }

                lock (sent)
                {
                    sent.Enqueue((number, confirmation.EndToEndId));
                }

                group.Confirmations.Add(confirmation);
                if (group.Confirmations.Count == Group)
                {
                    await call.RequestStream.WriteAsync(group, cancellationToken);
                    group = new ConfirmPaymentsRequest();
                }
            }

            if (group.Confirmations.Count > 0)
            {
                await call.RequestStream.WriteAsync(group, cancellationToken);
            }

            await call.RequestStream.CompleteAsync();
        }
        finally
        {
            // A failed call also fails the writer; the call's own status, from the answers, is the one worth reporting.
            await answers.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        await answers;
    }

    private static BankFileKind KindOf(string format) => format switch
    {
        "pain.002" => BankFileKind.Pain002,
        "camt.054" => BankFileKind.Camt054,
        "camt.053" => BankFileKind.Camt053,
        _ => throw new ArgumentException($"--format {format}: one of pain.002, camt.054, camt.053"),
    };

    /// <summary>The bank's lines from the CSV `interop disbursements lines` writes, each settled for its amount.</summary>
    private static List<SampleTransaction> ReadLines(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvHelper.CsvReader(reader, CultureInfo.InvariantCulture);
        return [.. csv.GetRecords<BankLineRow>().Select(line => new SampleTransaction(line.EndToEndId, PaymentStatus.Settled, string.Empty, line.Amount, $"TRX-{line.EndToEndId[^10..]}"))];
    }

    /// <summary>A bank's line as `interop disbursements lines` writes it.</summary>
    internal sealed record BankLineRow(string BatchId, long LineNumber, string EndToEndId, long Amount, string Currency);
}
