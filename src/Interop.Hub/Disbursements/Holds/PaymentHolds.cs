using Interop.Hub.Registry;

namespace Interop.Hub.Disbursements.Holds;

/// <summary>
/// Which changes to a household after a batch's cut-off hold its unpaid lines, and why (in the hub's
/// words, told to the bank: never a person's data). Pure. A death may change who receives the
/// payment and what is owed; a deactivated household is owed nothing; a merged one is paid, if at
/// all, as part of the household it joined. The bank holds the line until the steward decides.
/// </summary>
internal static class PaymentHolds
{
    /// <summary>The changes that hold lines (looked for, too, when a batch is sealed after them: <see cref="Storage.LineHolds"/>).</summary>
    public static IReadOnlyList<Type> HoldingChanges { get; } = [typeof(MemberDied), typeof(HouseholdDeactivated), typeof(MergedInto), typeof(JoinedFamily)];

    public static string? ReasonFor(IHouseholdEvent change) => change switch
    {
        MemberDied => "a member of the household died after the cut-off: hold the payment until the steward decides",
        HouseholdDeactivated => "the household was deactivated after the cut-off: hold the payment until the steward decides",
        MergedInto or JoinedFamily => "the household was merged into another after the cut-off: hold the payment until the steward decides",
        _ => null,
    };

    /// <summary>The reason given for lines held when their batch is sealed after such a change.</summary>
    public const string ChangedBeforeSealing = "the household's record changed after the cut-off (a death, a deactivation or a merge): hold the payment until the steward decides";
}
