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

    /// <summary>Streams a pass uses at once (the hub lets a partner open four).</summary>
    private const int Lanes = 2;

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
            catch (Exception exception) when (exception is RpcException or IOException or OperationCanceledException)
            {
                // The hub stores what it read even when the bank goes: more than was answered may be applied.
                AnsiConsole.MarkupLine($"[red]Applying stopped after {applied.Applied + applied.Already:N0} entr{(applied.Applied + applied.Already == 1 ? "y" : "ies")} were answered ({applied.Applied:N0} applied, {applied.Already:N0} already applied before); others may have been applied too. Run the same file again: what was applied is answered as already applied.[/]");
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
            // Answers of several lanes come at once.
            lock (Refused)
            {
                Tally(answer, entry, endToEndId);
            }
        }

        private void Tally(ConfirmationAnswer answer, long entry, string endToEndId)
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
        var seen = new HashSet<ulong>();
        var byStatus = new Dictionary<PaymentStatus, (long Count, decimal Sum)>();
        long entries = 0;
        string? broken = null;

        IEnumerable<(long Entry, PaymentConfirmation Confirmation)> Checked()
        {
            using var read = reader.Entries().GetEnumerator();
            while (true)
            {
                try
                {
                    if (!read.MoveNext())
                    {
                        yield break;
                    }
                }
                catch (BankFileException exception)
                {
                    broken = exception.Message;
                    yield break;
                }

                var entry = read.Current;
                entries = entry.Number;
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
                yield return (entry.Number, confirmation);
            }
        }

        await InLanesAsync(
            token => client.CheckPayments(cancellationToken: token),
            group => new CheckPaymentsRequest { Confirmations = { group } },
            response => response.Answers,
            Checked(),
            (answer, entry, endToEndId) =>
            {
                if (Problem(answer) is { } problem)
                {
                    Add(problems, new(entry, endToEndId, problem));
                }
            },
            cancellationToken);
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
        return new FileCheck(entries, entries, problems, broken);
    }

    /// <summary>Pass two: the entries pass one checked (from its spool), less those with problems, streamed as confirmations; the tally so far is kept if a call fails.</summary>
    private static Task ApplyAsync(PaymentService.PaymentServiceClient client, EntrySpool spool, IReadOnlySet<long> skipped, FileApplied tally, CancellationToken cancellationToken) =>
        InLanesAsync(
            token => client.ConfirmPayments(cancellationToken: token),
            group => new ConfirmPaymentsRequest { Confirmations = { group } },
            response => response.Answers,
            spool.Entries().Where(entry => !skipped.Contains(entry.Entry)),
            tally.Count,
            cancellationToken);

    /// <summary>
    /// Sends the entries over <see cref="Lanes"/> streams at once, <see cref="Group"/> a message, each
    /// entry on the lane its end-to-end id picks (so a line's confirmations, a settlement and its
    /// return, are decided in the file's order on one stream), and hands every answer to
    /// <paramref name="onAnswer"/> with the entry it is about (called from several threads).
    /// </summary>
    private static async Task InLanesAsync<TRequest, TResponse>(
        Func<CancellationToken, AsyncDuplexStreamingCall<TRequest, TResponse>> open,
        Func<IEnumerable<PaymentConfirmation>, TRequest> message,
        Func<TResponse, IEnumerable<ConfirmationAnswer>> answersOf,
        IEnumerable<(long Entry, PaymentConfirmation Confirmation)> entries,
        Action<ConfirmationAnswer, long, string> onAnswer,
        CancellationToken cancellationToken)
    {
        // One lane failing (refused, cut) stops them all: the others would otherwise wait for more entries forever.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var lanes = Enumerable.Range(0, Lanes).Select(_ => new Lane<TRequest, TResponse>(open(stop.Token), answersOf, onAnswer, stop)).ToList();
        Exception? writing = null;
        try
        {
            foreach (var (entry, confirmation) in entries)
            {
                var lane = lanes[(int)(LaneOf(confirmation.EndToEndId) % (uint)Lanes)];
                if (lane.Add(entry, confirmation) is { } group)
                {
                    await lane.Call.RequestStream.WriteAsync(message(group), stop.Token);
                }
            }

            foreach (var lane in lanes)
            {
                if (lane.Rest() is { Count: > 0 } rest)
                {
                    await lane.Call.RequestStream.WriteAsync(message(rest), stop.Token);
                }

                await lane.Call.RequestStream.CompleteAsync();
            }
        }
        catch (Exception exception)
        {
            writing = exception;
            await stop.CancelAsync();
        }

        await Task.WhenAll(lanes.Select(lane => lane.Answers.ContinueWith(_ => { }, TaskScheduler.Default)));
        foreach (var lane in lanes)
        {
            lane.Call.Dispose();
        }

        // The cause first: the hub's own refusal, else whatever is not a cancellation (a full disk under
        // the spool, say), rather than the cancellations that cause brought on the other lanes.
        var failures = lanes.Where(lane => lane.Answers.IsFaulted).Select(lane => lane.Answers.Exception!.InnerException!).Append(writing).OfType<Exception>().ToList();
        var cause = failures.FirstOrDefault(exception => exception is RpcException { StatusCode: not StatusCode.Cancelled })
            ?? failures.FirstOrDefault(exception => exception is not (OperationCanceledException or RpcException))
            ?? failures.FirstOrDefault();
        if (cause is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (lanes.Any(lane => lane.Unanswered > 0))
        {
            // Never read as "no problem": an entry the hub did not answer was neither checked nor applied.
            throw new IOException($"the hub ended a stream without answering {lanes.Sum(lane => lane.Unanswered):N0} entr{(lanes.Sum(lane => lane.Unanswered) == 1 ? "y" : "ies")} it was sent");
        }
    }

    /// <summary>A stable lane for an end-to-end id (FNV-1a over its characters).</summary>
    private static uint LaneOf(string endToEndId)
    {
        var hash = 2166136261u;
        foreach (var character in endToEndId)
        {
            hash = (hash ^ character) * 16777619u;
        }

        return hash;
    }

    /// <summary>One stream of a pass: its call, the entries sent and not yet answered (in order), the group being filled.</summary>
    private sealed class Lane<TRequest, TResponse>
    {
        private readonly Queue<(long Entry, string EndToEndId)> sent = new();
        private List<PaymentConfirmation> group = new(Group);

        public Lane(AsyncDuplexStreamingCall<TRequest, TResponse> call, Func<TResponse, IEnumerable<ConfirmationAnswer>> answersOf, Action<ConfirmationAnswer, long, string> onAnswer, CancellationTokenSource stop)
        {
            Call = call;
            Answers = Task.Run(async () =>
            {
                try
                {
                    await foreach (var response in call.ResponseStream.ReadAllAsync(stop.Token))
                    {
                        foreach (var answer in answersOf(response))
                        {
                            (long Entry, string EndToEndId) about;
                            lock (sent)
                            {
                                about = sent.Dequeue();
                            }

                            onAnswer(answer, about.Entry, about.EndToEndId);
                        }
                    }
                }
                catch
                {
                    await stop.CancelAsync();
                    throw;
                }
            });
        }

        public AsyncDuplexStreamingCall<TRequest, TResponse> Call { get; }

        public Task Answers { get; }

        /// <summary>Entries sent on this lane that no answer has come for.</summary>
        public int Unanswered
        {
            get
            {
                lock (sent)
                {
                    return sent.Count;
                }
            }
        }

        /// <summary>Adds the entry; returns a full group to send, or null.</summary>
        public List<PaymentConfirmation>? Add(long entry, PaymentConfirmation confirmation)
        {
            lock (sent)
            {
                sent.Enqueue((entry, confirmation.EndToEndId));
            }

            group.Add(confirmation);
            return group.Count == Group ? Rest() : null;
        }

        /// <summary>The group filled so far, handed over; a new one is started.</summary>
        public List<PaymentConfirmation> Rest()
        {
            var full = group;
            group = new List<PaymentConfirmation>(Group);
            return full;
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
