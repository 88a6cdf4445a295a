using Grpc.Core;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners.Privacy;

namespace Interop.Hub.Grpc;

/// <summary>
/// Answers that carry records whole (an evidence package's entries, a replayed state as JSON) cannot
/// be shown through a masking view field by field: only a call whose purpose shows every kind of a
/// household's personal data whole may have them.
/// </summary>
internal static class WholeRecords
{
    /// <summary>The kinds of personal data a household's records hold.</summary>
    private static readonly PersonalData[] HouseholdHolds =
    [
        PersonalData.Nik, PersonalData.FamilyCardNumber, PersonalData.FullName, PersonalData.BirthDate, PersonalData.AddressLine,
        PersonalData.VillageCode, PersonalData.DeathDate, PersonalData.FreeText, PersonalData.PartnerReference, PersonalData.Officer,
    ];

    /// <summary>Throws PERMISSION_DENIED unless the call's view shows a household's records whole.</summary>
    public static void RequireWholeHouseholds(ServerCallContext context, string what)
    {
        var view = context.View();
        if (HouseholdHolds.Any(kind => view.Disclosures.GetValueOrDefault(kind) != Disclosure.Whole))
        {
            throw Refusals.PermissionDenied(
                $"{what} holds a household's records whole; the purpose named (view \"{view.Name}\") does not show them whole. Name a purpose that does (audit-investigation).").ToRpcException();
        }
    }
}
