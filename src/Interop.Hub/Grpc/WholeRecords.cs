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

    /// <summary>Whether the call's view shows bank account numbers whole (the steward's and the recipient's bank's do; an auditor's does not).</summary>
    public static bool ShowsAccountNumbers(ServerCallContext context) =>
        context.View().Disclosures.GetValueOrDefault(PersonalData.AccountNumber) == Disclosure.Whole;

    /// <summary>
    /// JSON an answer carries whole (a replayed state, an event's data), with every account number
    /// emptied unless the call's view shows them: the one kind of a household's data that records
    /// whole do not include for an auditor.
    /// </summary>
    public static string WithheldAccounts(ServerCallContext context, string json)
    {
        if (ShowsAccountNumbers(context) || !IsAccountNumber(json))
        {
            return json;
        }

        var node = System.Text.Json.Nodes.JsonNode.Parse(json);
        Empty(node);
        return node?.ToJsonString() ?? json;
    }

    /// <summary>Whether a field's path (or any text: a quick test before JSON is parsed) names an account number.</summary>
    public static bool IsAccountNumber(string path) =>
        path.Contains("AccountNumber", StringComparison.OrdinalIgnoreCase) || path.Contains("account_number", StringComparison.OrdinalIgnoreCase);

    private static void Empty(System.Text.Json.Nodes.JsonNode? node)
    {
        switch (node)
        {
            case System.Text.Json.Nodes.JsonObject members:
                foreach (var name in members.Select(member => member.Key).ToList())
                {
                    if (IsAccountNumber(name))
                    {
                        members[name] = string.Empty;
                    }
                    else
                    {
                        Empty(members[name]);
                    }
                }

                break;
            case System.Text.Json.Nodes.JsonArray items:
                foreach (var item in items)
                {
                    Empty(item);
                }

                break;
        }
    }
}
