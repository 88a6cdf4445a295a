namespace Interop.Hub.Disbursements.Confirmations;

/// <summary>
/// Where a bank says a line's payment stands, in the ISO 20022 words banks use (pain.002's
/// transaction status, camt.054's entries): the code on the wire is <see cref="PaymentStatuses.CodeOf"/>.
/// </summary>
internal enum PaymentStatus
{
    Unspecified = 0,

    /// <summary>PDNG: received, not yet settled.</summary>
    Pending = 1,

    /// <summary>ACSP: accepted, settlement in process.</summary>
    AcceptedInProcess = 2,

    /// <summary>ACSC: settled: the money is on the recipient's account.</summary>
    Settled = 3,

    /// <summary>RJCT: rejected, with a reason code.</summary>
    Rejected = 4,

    /// <summary>Credited, then returned by the bank (undistributed money), with a reason code.</summary>
    Returned = 5,

    /// <summary>Credited, then reversed (a credit made in error), with a reason code.</summary>
    Reversed = 6,
}

/// <summary>The ISO 20022 codes of statuses, and the reason codes the hub takes with a rejection, a return or a reversal.</summary>
internal static class PaymentStatuses
{
    private static readonly Dictionary<PaymentStatus, string> Codes = new()
    {
        [PaymentStatus.Pending] = "PDNG",
        [PaymentStatus.AcceptedInProcess] = "ACSP",
        [PaymentStatus.Settled] = "ACSC",
        [PaymentStatus.Rejected] = "RJCT",
    };

    /// <summary>
    /// ISO 20022 external status reason codes (ExternalStatusReason1Code / ExternalReturnReason1Code)
    /// a bank gives for a social-assistance credit that did not reach, or left, the account.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Reasons { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AC01"] = "incorrect account number",
        ["AC03"] = "invalid creditor account number",
        ["AC04"] = "closed account number",
        ["AC06"] = "blocked account (dormant)",
        ["AC13"] = "invalid debtor account type",
        ["AG01"] = "transaction forbidden on this account",
        ["AM04"] = "insufficient funds",
        ["AM05"] = "duplication",
        ["BE01"] = "inconsistent with end customer (name or NIK differs)",
        ["MD07"] = "end customer deceased",
        ["MS02"] = "not specified reason (customer generated)",
        ["MS03"] = "not specified reason (agent generated)",
        ["NARR"] = "narrative (see the bank's text)",
        ["RR04"] = "regulatory reason",
    };

    /// <summary>The ISO 20022 status code of a status; returns and reversals are reported with their reasons, not a status code.</summary>
    public static string? CodeOf(PaymentStatus status) => Codes.GetValueOrDefault(status);

    /// <summary>The status an ISO 20022 status code names, if it is one the hub takes.</summary>
    public static PaymentStatus? FromCode(string code) =>
        Codes.FirstOrDefault(pair => pair.Value == code) is { Value: not null } found ? found.Key : null;

    /// <summary>A status as stored with a line's events: its name, so that renumbering the enum never changes history.</summary>
    public static string StoredName(PaymentStatus status) => status.ToString();

    /// <summary>A stored status; Unspecified for none.</summary>
    public static PaymentStatus FromStored(string name) => Enum.TryParse<PaymentStatus>(name, ignoreCase: false, out var status) ? status : PaymentStatus.Unspecified;

    /// <summary>Whether a status must come with a reason code.</summary>
    public static bool NeedsReason(PaymentStatus status) => status is PaymentStatus.Rejected or PaymentStatus.Returned or PaymentStatus.Reversed;
}
