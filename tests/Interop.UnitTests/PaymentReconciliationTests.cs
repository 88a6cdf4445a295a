using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Disbursements.Reconciliation;

namespace Interop.UnitTests;

/// <summary>The report of a batch: each line in exactly one outcome, rows that add up to the control totals, checked against a count done here by hand.</summary>
public sealed class PaymentReconciliationTests
{
    private static readonly DateTimeOffset Deadline = new(2026, 9, 30, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Before = Deadline.AddDays(-1);
    private static readonly DateTimeOffset After = Deadline.AddDays(1);

    private static BatchLine Line(long number, string bank, string regency, long amount) =>
        new(number, $"PKH26S3-1A2B3C4D-{number:D10}", Guid.NewGuid(), "3273014507900001", "Siti Rahmawati", new PaymentAccount(bank, "0123"), amount, regency);

    private static Confirmation Said(BatchLine line, PaymentStatus status, string? reason = null, long? amount = null, string reference = "REF-1") =>
        new(line.EndToEndId, status, reason, amount ?? line.Amount, "IDR", reference);

    [Fact]
    public void Each_line_has_one_outcome_by_what_its_bank_said_and_the_deadline()
    {
        var line = Line(1, "bri", "32.73", 600_000);
        LineOutcome Outcome(DateTimeOffset asOf, bool cancelled = false, params Confirmation[] applied) =>
            PaymentReconciliation.OutcomeOf(new LineRecord(line, applied, [], cancelled), asOf, Deadline);

        Assert.Equal(LineOutcome.PaidAsInstructed, Outcome(After, false, Said(line, PaymentStatus.Pending), Said(line, PaymentStatus.Settled)));
        Assert.Equal(LineOutcome.AmountDiffers, Outcome(Before, false, Said(line, PaymentStatus.Settled, amount: 500_000)));
        Assert.Equal(LineOutcome.Rejected, Outcome(Before, false, Said(line, PaymentStatus.Rejected, "AC04")));
        Assert.Equal(LineOutcome.Returned, Outcome(Before, false, Said(line, PaymentStatus.Settled), Said(line, PaymentStatus.Returned, "MD07")));
        Assert.Equal(LineOutcome.Pending, Outcome(Before, false, Said(line, PaymentStatus.Pending)));
        Assert.Equal(LineOutcome.OverdueUnconfirmed, Outcome(After, false, Said(line, PaymentStatus.Pending)));
        Assert.Equal(LineOutcome.Unconfirmed, Outcome(Before));
        Assert.Equal(LineOutcome.OverdueUnconfirmed, Outcome(After));
        Assert.Equal(LineOutcome.Cancelled, Outcome(After, true));
    }

    [Fact]
    public void The_report_adds_up_to_the_control_totals_and_matches_a_count_done_by_hand()
    {
        var random = new Random(2026);
        var records = new List<LineRecord>();
        var statuses = new[] { PaymentStatus.Unspecified, PaymentStatus.Pending, PaymentStatus.Settled, PaymentStatus.Rejected, PaymentStatus.Returned };
        for (var number = 1L; number <= 5_000; number++)
        {
            var line = Line(number, random.Next(2) == 0 ? "bri" : "bni", random.Next(3) switch { 0 => "32.73", 1 => "33.74", _ => "11.71" }, 225_000 * random.Next(1, 9));
            var said = statuses[random.Next(statuses.Length)];
            IReadOnlyList<Confirmation> applied = said switch
            {
                PaymentStatus.Unspecified => [],
                PaymentStatus.Returned => [Said(line, PaymentStatus.Settled), Said(line, PaymentStatus.Returned, "AC06")],
                PaymentStatus.Rejected => [Said(line, PaymentStatus.Rejected, random.Next(2) == 0 ? "AC04" : "MD07")],
                PaymentStatus.Settled when number % 50 == 0 => [Said(line, PaymentStatus.Settled, amount: line.Amount - 1)],
                _ => [Said(line, said)],
            };
            IReadOnlyList<Confirmation> contradictions = said == PaymentStatus.Settled && number % 70 == 0 ? [Said(line, PaymentStatus.Settled, reference: "REF-2")] : [];
            records.Add(new LineRecord(line, applied, contradictions, Cancelled: said == PaymentStatus.Unspecified && number % 9 == 0));
        }

        var report = PaymentReconciliation.Report(records, new Dictionary<string, long> { ["bri"] = 7 }, After, Deadline);

        // The rows add up to the control totals of the lines, exactly.
        Assert.Equal(BatchRules.TotalsOf(records.Select(record => record.Line)), report.Totals);
        Assert.Equal(report.Totals.LineCount, report.Rows.Sum(row => row.Lines));
        Assert.Equal(report.Totals.Amount, report.Rows.Sum(row => row.InstructedAmount));
        // A count done here, without the report's code: paid as instructed at BRI in 32.73, and every rejection for a deceased recipient.
        var paidBri = records.Where(record => !record.Cancelled && record.Line.Account.Bank == "bri" && record.Line.RegencyCode == "32.73"
            && record.Applied.Count == 1 && record.Applied[0].Status == PaymentStatus.Settled && record.Applied[0].Amount == record.Line.Amount).ToList();
        Assert.NotEmpty(paidBri);
        Assert.True(report.ConfirmedTwice > 0 && report.RejectedByReason["MD07"] > 0);
        var row = Assert.Single(report.Rows, row => row.Bank == "bri" && row.RegencyCode == "32.73" && row.Outcome == LineOutcome.PaidAsInstructed);
        Assert.Equal((paidBri.Count, paidBri.Sum(record => record.Line.Amount), paidBri.Sum(record => record.Line.Amount)), (row.Lines, row.InstructedAmount, row.MovedAmount));
        Assert.Equal(records.Count(record => record.Applied.Count == 1 && record.Applied[0].Reason == "MD07"), report.RejectedByReason["MD07"]);
        Assert.Equal(records.Count(record => record.Contradictions.Count > 0), report.ConfirmedTwice);
        Assert.Equal(7, report.UnknownConfirmations["bri"]);
        Assert.Equal(records.Count(record => record.Cancelled), report.Rows.Where(row => row.Outcome == LineOutcome.Cancelled).Sum(row => row.Lines));
        Assert.All(report.Rows.Where(row => row.Outcome == LineOutcome.AmountDiffers), row => Assert.Equal(row.InstructedAmount - row.Lines, row.MovedAmount));
    }
}
