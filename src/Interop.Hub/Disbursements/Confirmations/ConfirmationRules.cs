namespace Interop.Hub.Disbursements.Confirmations;

/// <summary>What a bank says of one line: its status, why (for a rejection, return or reversal), the amount and currency it moved, and its own reference.</summary>
internal sealed record Confirmation(string EndToEndId, PaymentStatus Status, string? Reason, long Amount, string Currency, string BankReference);

/// <summary>A line as the hub holds it when a confirmation arrives: the bank it is assigned to, what it instructed, and what was confirmed so far (oldest first).</summary>
internal sealed record ConfirmedLine(string EndToEndId, string Bank, long Amount, IReadOnlyList<Confirmation> Confirmations)
{
    /// <summary>Where the line stands: its last applied status (Unspecified while none).</summary>
    public PaymentStatus Status => Confirmations.Count == 0 ? PaymentStatus.Unspecified : Confirmations[^1].Status;
}

/// <summary>What a confirmation comes to.</summary>
internal abstract record ConfirmationDecision
{
    /// <summary>Taken: the line's new status (<paramref name="AmountDiffers"/> when the bank moved another amount than instructed, which the report shows).</summary>
    public sealed record Applied(PaymentStatus Status, bool AmountDiffers) : ConfirmationDecision;

    /// <summary>The same confirmation again (a resend after a cut): nothing changes, nothing is counted twice.</summary>
    public sealed record AlreadyApplied : ConfirmationDecision;

    /// <summary>Contradicts what the bank said before (settled, then rejected): kept aside for review, never overwriting.</summary>
    public sealed record Contradiction(string Reason) : ConfirmationDecision;

    /// <summary>No line of this bank has that end-to-end id (unknown, or another bank's: the same answer, so that nothing is learnt of others' lines).</summary>
    public sealed record UnknownLine : ConfirmationDecision;

    /// <summary>The confirmation itself is malformed: the field and why.</summary>
    public sealed record Invalid(string Field, string Reason) : ConfirmationDecision;
}

/// <summary>
/// How a bank's confirmation changes a line. Pure. A resend with the same content is a no-op; a
/// confirmation that contradicts an earlier one is kept as an exception for review, never
/// overwriting; one for a line the bank does not hold is refused (and counted by the caller).
/// A payment moves forward only: pending, then accepted, then settled or rejected; a settled
/// payment may later be returned or reversed; a rejected, returned or reversed one is final.
/// </summary>
internal static class ConfirmationRules
{
    public const string Currency = "IDR";

    public static ConfirmationDecision Decide(ConfirmedLine? line, string callingBank, Confirmation confirmation)
    {
        if (Problem(confirmation) is { } problem)
        {
            return problem;
        }

        if (line is null || line.Bank != callingBank)
        {
            return new ConfirmationDecision.UnknownLine();
        }

        if (line.Confirmations.Contains(confirmation))
        {
            return new ConfirmationDecision.AlreadyApplied();
        }

        var current = line.Status;
        if (!Follows(current, confirmation.Status))
        {
            return new ConfirmationDecision.Contradiction(
                $"the bank reported {Word(confirmation.Status)} after {Word(current)}" + (confirmation.Status == current ? " with other content" : string.Empty));
        }

        return new ConfirmationDecision.Applied(confirmation.Status, confirmation.Amount != line.Amount);
    }

    /// <summary>Whether a line at <paramref name="current"/> may move to <paramref name="next"/>.</summary>
    public static bool Follows(PaymentStatus current, PaymentStatus next) => (current, next) switch
    {
        (PaymentStatus.Unspecified, _) => next != PaymentStatus.Returned && next != PaymentStatus.Reversed,
        (PaymentStatus.Pending, PaymentStatus.Pending or PaymentStatus.AcceptedInProcess or PaymentStatus.Settled or PaymentStatus.Rejected) => true,
        (PaymentStatus.AcceptedInProcess, PaymentStatus.Settled or PaymentStatus.Rejected) => true,
        (PaymentStatus.Settled, PaymentStatus.Returned or PaymentStatus.Reversed) => true,
        _ => false,
    };

    private static ConfirmationDecision.Invalid? Problem(Confirmation confirmation) =>
        confirmation.Status == PaymentStatus.Unspecified || !Enum.IsDefined(confirmation.Status) ? new("status", "must be one of PDNG, ACSP, ACSC, RJCT, a return or a reversal")
        : PaymentStatuses.NeedsReason(confirmation.Status) && (confirmation.Reason is null || !PaymentStatuses.Reasons.ContainsKey(confirmation.Reason))
            ? new("reason", $"a {Word(confirmation.Status)} needs an ISO 20022 reason code the hub takes ({string.Join(", ", PaymentStatuses.Reasons.Keys)})")
        : !PaymentStatuses.NeedsReason(confirmation.Status) && confirmation.Reason is not null ? new("reason", $"a {Word(confirmation.Status)} carries no reason code")
        : confirmation.Amount <= 0 ? new("amount", "must be a positive whole number of rupiah")
        : confirmation.Currency != Currency ? new("currency", $"must be {Currency}: the programmes pay in rupiah")
        : !EndToEndIds.IsWellFormed(confirmation.EndToEndId) ? new("end_to_end_id", $"must be an end-to-end id as the hub issued it: 1 to {EndToEndIds.MaxLength} capital letters, digits or '-'")
        : null;

    private static string Word(PaymentStatus status) => PaymentStatuses.CodeOf(status) ?? status switch
    {
        PaymentStatus.Unspecified => "nothing",
        PaymentStatus.Returned => "a return",
        PaymentStatus.Reversed => "a reversal",
        _ => status.ToString(),
    };
}
