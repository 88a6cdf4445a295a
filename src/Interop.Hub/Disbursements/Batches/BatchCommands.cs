using System.Security.Cryptography;
using System.Text;
using Interop.Hub.Disbursements.Entitlements;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Disbursements.Batches;

/// <summary>
/// The steward issues a batch for one payment round from the registry as it stood at the cut-off.
/// The steward's own reference for the batch is its idempotency key: the same reference with the
/// same content answers the batch issued, with other content is refused.
/// </summary>
internal sealed record IssueBatch(
    string Reference,
    SocialProgram Programme,
    int Year,
    int Stage,
    DateTimeOffset? CutOff,
    DateTimeOffset? PaymentDeadline,
    string Reason,
    Actor Actor,
    string RequestHash);

internal sealed record SealBatch(Guid BatchId, ControlTotals Declared, string Reason, Actor Actor);

internal sealed record CancelLine(Guid BatchId, long LineNumber, string Reason, Actor Actor);

/// <summary>What issuing, sealing or cancelling comes to.</summary>
internal abstract record BatchOutcome
{
    public sealed record Done(DisbursementBatch Batch) : BatchOutcome;

    public sealed record Invalid(IReadOnlyList<FieldIssue> Violations) : BatchOutcome;

    public sealed record NotFound(string Field) : BatchOutcome;

    /// <summary>The reference was used for another batch.</summary>
    public sealed record ReferenceTaken(Guid BatchId) : BatchOutcome;

    public sealed record NotAllowed(string Reason) : BatchOutcome;
}

/// <summary>The checks of the steward's batch commands. Pure.</summary>
internal static class BatchChecks
{
    public const int MaxReferenceLength = 64;
    public const int MaxReasonLength = 500;

    /// <summary>The batch a reference names: the first 16 bytes of SHA-256("interop-hub:batch:" + reference), so that one reference is one batch in the store itself.</summary>
    public static Guid BatchIdOf(string reference) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes("interop-hub:batch:" + reference)).AsSpan(0, 16));

    public static IReadOnlyList<FieldIssue> Check(IssueBatch command, DateTimeOffset now)
    {
        var violations = new List<FieldIssue>();
        if (command.Reference.Length is 0 or > MaxReferenceLength || !command.Reference.All(character => char.IsAsciiLetterOrDigit(character) || character is '-' or '_' or '.'))
        {
            violations.Add(new("batch_reference", $"must be 1 to {MaxReferenceLength} letters, digits, '-', '_' or '.'"));
        }

        if (ProgrammeStage.Problem(command.Programme, command.Year, command.Stage) is { } round)
        {
            violations.Add(new(command.Programme is SocialProgram.Pkh or SocialProgram.Bpnt ? (round.StartsWith("year", StringComparison.Ordinal) ? "year" : "stage") : "program", round));
        }

        if (command.CutOff is not { } cutOff)
        {
            violations.Add(new("cut_off_time", "is required: the moment of the registry the batch is computed from"));
        }
        else if (cutOff > now)
        {
            violations.Add(new("cut_off_time", "must not be in the future: the registry of a moment to come is not known yet"));
        }

        if (command.PaymentDeadline is not { } deadline)
        {
            violations.Add(new("payment_deadline", "is required: lines unconfirmed after it are reported overdue"));
        }
        else if (command.CutOff is { } start && deadline <= start)
        {
            violations.Add(new("payment_deadline", "must be after the cut-off"));
        }

        RequireReason(violations, command.Reason);
        return violations;
    }

    public static IReadOnlyList<FieldIssue> Check(SealBatch command)
    {
        var violations = new List<FieldIssue>();
        if (command.Declared.LineCount <= 0)
        {
            violations.Add(new("control_totals.line_count", "must be the number of lines the batch is to hold, at least 1"));
        }

        if (command.Declared.Amount <= 0)
        {
            violations.Add(new("control_totals.amount", "must be the sum of the lines in whole rupiah, at least 1"));
        }

        RequireReason(violations, command.Reason);
        return violations;
    }

    public static IReadOnlyList<FieldIssue> Check(CancelLine command)
    {
        var violations = new List<FieldIssue>();
        if (command.LineNumber <= 0)
        {
            violations.Add(new("line_number", "must be a line's number, from 1"));
        }

        RequireReason(violations, command.Reason);
        return violations;
    }

    private static void RequireReason(List<FieldIssue> violations, string reason) => ProposalRules.RequireText(violations, "reason", reason, MaxReasonLength);
}
