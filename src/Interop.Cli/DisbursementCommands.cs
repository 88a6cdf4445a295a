using System.CommandLine;
using System.Globalization;
using CsvHelper;
using Grpc.Core;
using Google.Protobuf.WellKnownTypes;
using Interop.Contracts.Disbursement.V1;
using Spectre.Console;

namespace Interop.Cli;

/// <summary>
/// <c>interop disbursements</c>: the steward's reconciliation of a sealed batch (a table on the
/// screen, or CSV for a spreadsheet), and a bank's files of confirmations streamed to the hub.
/// </summary>
internal static class DisbursementCommands
{
    public static Command Disbursements(PartnerOptions partner) =>
        new("disbursements", "Disbursement batches: the reconciliation report, a bank's confirmation files")
        {
            Report(partner),
            Lines(partner),
            BankFileCommands.Confirm(partner),
            BankFileCommands.Generate(),
        };

    /// <summary>A bank's lines (its feed), written as CSV without personal data: batch, line, end-to-end id, amount.</summary>
    private static Command Lines(PartnerOptions partner)
    {
        var output = new Option<FileInfo>("--out") { Description = "The CSV file to write", Required = true };
        var after = new Option<string>("--after") { Description = "Resume after this checkpoint", DefaultValueFactory = _ => string.Empty };
        var command = new Command("lines", "A bank's lines to pay, from its feed, as CSV (end-to-end ids and amounts; no names or accounts)") { output, after };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            using var channel = partner.Open(result);
            var call = new PaymentService.PaymentServiceClient(channel).StreamLines(new StreamLinesRequest { AfterCheckpoint = result.GetValue(after)! }, cancellationToken: cancellationToken);
            await using var writer = new StreamWriter(result.GetValue(output)!.FullName);
            await using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
            csv.WriteHeader<BankFileCommands.BankLineRow>();
            await csv.NextRecordAsync();
            long count = 0;
            var checkpoint = result.GetValue(after)!;
            await foreach (var message in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                checkpoint = message.Checkpoint;
                if (message.Pay is { } pay)
                {
                    csv.WriteRecord(new BankFileCommands.BankLineRow(pay.BatchId, pay.LineNumber, pay.EndToEndId, pay.Amount, pay.Currency));
                    await csv.NextRecordAsync();
                    count++;
                }
            }

            AnsiConsole.MarkupLine($"{count:N0} line(s) written; resume after checkpoint {Markup.Escape(checkpoint)}.");
            return 0;
        }, partner));
        return command;
    }

    private static Command Report(PartnerOptions partner)
    {
        var batch = new Option<string>("--batch") { Description = "The batch's id", Required = true };
        var asOf = new Option<DateTimeOffset?>("--as-of") { Description = "The report as it stood at this moment (ISO 8601); default now" };
        var csv = new Option<FileInfo?>("--csv") { Description = "Also write the rows to this CSV file" };
        var command = new Command("report", "A sealed batch's reconciliation by bank, region and outcome, adding up to its control totals (the steward)") { batch, asOf, csv };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            using var channel = partner.Open(result);
            var request = new GetReconciliationReportRequest
            {
                BatchId = result.GetValue(batch)!,
                AsOfTime = result.GetValue(asOf) is { } moment ? Timestamp.FromDateTimeOffset(moment) : null,
            };
            var report = (await new DisbursementBatchService.DisbursementBatchServiceClient(channel).GetReconciliationReportAsync(request, cancellationToken: cancellationToken)).Report;
            Show(report);
            if (result.GetValue(csv) is { } file)
            {
                await WriteCsvAsync(report, file, cancellationToken);
                AnsiConsole.MarkupLine($"{report.Rows.Count} row(s) written to {Markup.Escape(file.FullName)}.");
            }

            return report.Counted.Equals(report.ControlTotals) ? 0 : 1;
        }, partner));
        return command;
    }

    private static void Show(ReconciliationReport report)
    {
        var table = new Table().AddColumns("Bank", "Province", "Regency", "Outcome", "Lines", "Instructed (Rp)", "Moved (Rp)");
        foreach (var row in report.Rows)
        {
            table.AddRow(
                Markup.Escape(row.Bank),
                row.ProvinceCode,
                row.RegencyCode,
                OutcomeName(row.Outcome),
                Number(row.Lines),
                Number(row.InstructedAmount),
                Number(row.MovedAmount));
        }

        table.AddRow("[bold]total[/]", string.Empty, string.Empty, string.Empty, $"[bold]{Number(report.Counted.LineCount)}[/]", $"[bold]{Number(report.Counted.Amount)}[/]", $"[bold]{Number(report.Rows.Sum(row => row.MovedAmount))}[/]");
        AnsiConsole.MarkupLine($"Batch {report.BatchId} as of {report.AsOfTime.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss} UTC (deadline {report.PaymentDeadline.ToDateTimeOffset():yyyy-MM-dd HH:mm} UTC)");
        AnsiConsole.Write(table);
        var matches = report.Counted.Equals(report.ControlTotals);
        AnsiConsole.MarkupLine(matches
            ? $"Control totals {Number(report.ControlTotals.LineCount)} lines, Rp {Number(report.ControlTotals.Amount)}: [green]match[/]."
            : $"[red]Control totals {Number(report.ControlTotals.LineCount)} lines, Rp {Number(report.ControlTotals.Amount)} do not match the lines counted.[/]");
        if (report.RejectedByReason.Count > 0)
        {
            AnsiConsole.MarkupLine("Rejected by reason: " + string.Join(", ", report.RejectedByReason.Select(reason => $"{Markup.Escape(reason.ReasonCode)} {Number(reason.Lines)}")));
        }

        AnsiConsole.MarkupLine($"Settled twice (the second kept for review): {Number(report.ConfirmedTwice)}.");
        AnsiConsole.MarkupLine("Confirmations for no known line: " + (report.UnknownConfirmations.Count == 0
            ? "none."
            : string.Join(", ", report.UnknownConfirmations.Select(count => $"{Markup.Escape(count.Bank)} {Number(count.Confirmations)}")) + "."));
    }

    private static async Task WriteCsvAsync(ReconciliationReport report, FileInfo file, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(file.FullName);
        await using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        csv.WriteRecords(report.Rows.Select(row => new ReportCsvRow(
            report.BatchId,
            report.AsOfTime.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            row.Bank,
            row.ProvinceCode,
            row.RegencyCode,
            OutcomeName(row.Outcome),
            row.Lines,
            row.InstructedAmount,
            row.MovedAmount)));
        await csv.FlushAsync();
        await writer.FlushAsync(cancellationToken);
    }

    private static string OutcomeName(LineOutcome outcome) => outcome switch
    {
        LineOutcome.PaidAsInstructed => "paid as instructed",
        LineOutcome.AmountDiffers => "amount differs",
        LineOutcome.Rejected => "rejected",
        LineOutcome.Pending => "pending",
        LineOutcome.Unconfirmed => "unconfirmed",
        LineOutcome.OverdueUnconfirmed => "unconfirmed past the deadline",
        LineOutcome.Returned => "returned",
        LineOutcome.Cancelled => "cancelled",
        LineOutcome.Held => "held",
        _ => outcome.ToString(),
    };

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>One row of the report's CSV: the batch, the moment, the row.</summary>
    private sealed record ReportCsvRow(string BatchId, string AsOf, string Bank, string Province, string Regency, string Outcome, long Lines, long InstructedAmount, long MovedAmount);
}
