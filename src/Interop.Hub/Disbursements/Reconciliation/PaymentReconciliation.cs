using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Disbursements.Confirmations;

namespace Interop.Hub.Disbursements.Reconciliation;

/// <summary>Where one line of a batch ends up: exactly one of these, so that the report's counts and sums add up to the control totals.</summary>
internal enum LineOutcome
{
    /// <summary>Settled (ACSC) for the amount instructed.</summary>
    PaidAsInstructed = 1,

    /// <summary>Settled, for another amount than instructed.</summary>
    AmountDiffers = 2,

    /// <summary>Rejected (RJCT), with a reason.</summary>
    Rejected = 3,

    /// <summary>Pending or accepted, not yet settled, before the deadline.</summary>
    Pending = 4,

    /// <summary>Nothing confirmed yet, before the deadline.</summary>
    Unconfirmed = 5,

    /// <summary>Nothing confirmed, or still pending, past the deadline.</summary>
    OverdueUnconfirmed = 6,

    /// <summary>Settled, then returned or reversed.</summary>
    Returned = 7,

    /// <summary>Cancelled by the steward before it was paid.</summary>
    Cancelled = 8,

    /// <summary>Held, unpaid: the registry changed after the cut-off (a death, a deactivation, a merge) and the bank was told to hold it.</summary>
    Held = 9,
}

/// <summary>A line with what happened to it: the confirmations applied (oldest first), those kept aside as contradictions, and whether it was cancelled or held.</summary>
internal sealed record LineRecord(BatchLine Line, IReadOnlyList<Confirmation> Applied, IReadOnlyList<Confirmation> Contradictions, bool Cancelled, bool Held = false);

/// <summary>One row of the report: a bank, a regency and an outcome, with its lines, what they were instructed to pay, and what the bank moved.</summary>
internal sealed record ReportRow(string Bank, string RegencyCode, LineOutcome Outcome, long Lines, long InstructedAmount, long MovedAmount);

/// <summary>
/// A batch's reconciliation: rows by bank, regency and outcome whose lines and instructed amounts add
/// up exactly to the batch's control totals; rejections by reason; lines a bank confirmed settled
/// twice (kept aside, not counted again); and confirmations for no known line, by the bank that sent them.
/// </summary>
internal sealed record ReconciliationReport(
    IReadOnlyList<ReportRow> Rows,
    ControlTotals Totals,
    IReadOnlyDictionary<string, long> RejectedByReason,
    long ConfirmedTwice,
    IReadOnlyDictionary<string, long> UnknownConfirmations);

/// <summary>The reconciliation of instructed lines with banks' confirmations. Pure: the lines and the moment in, the report out.</summary>
internal static class PaymentReconciliation
{
    public static LineOutcome OutcomeOf(LineRecord record, DateTimeOffset asOf, DateTimeOffset deadline)
    {
        var last = record.Applied.Count == 0 ? null : record.Applied[^1];
        var overdue = asOf > deadline;
        // What the bank did with the money comes first: a line paid although it was cancelled or held is paid.
        return last?.Status switch
        {
            PaymentStatus.Settled when last.Amount == record.Line.Amount => LineOutcome.PaidAsInstructed,
            PaymentStatus.Settled => LineOutcome.AmountDiffers,
            PaymentStatus.Rejected => LineOutcome.Rejected,
            PaymentStatus.Returned or PaymentStatus.Reversed => LineOutcome.Returned,
            _ when record.Cancelled => LineOutcome.Cancelled,
            // Held and not paid: the bank was told not to pay it until the steward decides.
            _ when record.Held => LineOutcome.Held,
            PaymentStatus.Pending or PaymentStatus.AcceptedInProcess => overdue ? LineOutcome.OverdueUnconfirmed : LineOutcome.Pending,
            _ => overdue ? LineOutcome.OverdueUnconfirmed : LineOutcome.Unconfirmed,
        };
    }

    /// <summary>The report of these lines at once (see <see cref="ReconciliationTally"/> for a batch read a line at a time).</summary>
    public static ReconciliationReport Report(IEnumerable<LineRecord> lines, IReadOnlyDictionary<string, long> unknownConfirmations, DateTimeOffset asOf, DateTimeOffset deadline)
    {
        var tally = new ReconciliationTally(asOf, deadline);
        foreach (var record in lines)
        {
            tally.Add(record);
        }

        return tally.Report(unknownConfirmations);
    }
}

/// <summary>
/// The reconciliation of a batch counted a line at a time, so that a batch of any size is reported
/// without holding its lines: each line's one outcome added to its bank's, regency's and outcome's
/// row, with checked sums. Pure.
/// </summary>
internal sealed class ReconciliationTally(DateTimeOffset asOf, DateTimeOffset deadline)
{
    private readonly Dictionary<(string Bank, string Regency, LineOutcome Outcome), (long Lines, long Instructed, long Moved)> rows = [];
    private readonly Dictionary<string, long> rejected = new(StringComparer.Ordinal);
    private long count;
    private long amount;
    private long confirmedTwice;

    public void Add(LineRecord record)
    {
        var outcome = PaymentReconciliation.OutcomeOf(record, asOf, deadline);
        var key = (record.Line.Account.Bank, record.Line.RegencyCode, outcome);
        var moved = outcome is LineOutcome.PaidAsInstructed or LineOutcome.AmountDiffers ? record.Applied[^1].Amount : 0;
        var row = rows.GetValueOrDefault(key);
        rows[key] = (checked(row.Lines + 1), checked(row.Instructed + record.Line.Amount), checked(row.Moved + moved));
        count = checked(count + 1);
        amount = checked(amount + record.Line.Amount);
        if (outcome == LineOutcome.Rejected)
        {
            var reason = record.Applied[^1].Reason ?? "NARR";
            rejected[reason] = rejected.GetValueOrDefault(reason) + 1;
        }

        if (record.Contradictions.Any(confirmation => confirmation.Status == PaymentStatus.Settled) && record.Applied.Any(confirmation => confirmation.Status == PaymentStatus.Settled))
        {
            confirmedTwice++;
        }
    }

    public ReconciliationReport Report(IReadOnlyDictionary<string, long> unknownConfirmations) =>
        new(
            [.. rows.OrderBy(row => row.Key.Bank, StringComparer.Ordinal).ThenBy(row => row.Key.Regency, StringComparer.Ordinal).ThenBy(row => row.Key.Outcome)
                .Select(row => new ReportRow(row.Key.Bank, row.Key.Regency, row.Key.Outcome, row.Value.Lines, row.Value.Instructed, row.Value.Moved))],
            new ControlTotals(count, amount),
            rejected,
            confirmedTwice,
            unknownConfirmations);
}
