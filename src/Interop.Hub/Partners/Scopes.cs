namespace Interop.Hub.Partners;

/// <summary>
/// What a partner may do, one scope per capability. The directory holds each partner's scopes;
/// every RPC names the scope it needs (<see cref="PartnerAccess"/>). A kind of partner may hold only
/// the scopes its role needs (docs/partners.md), whatever the steward asks for.
/// </summary>
internal static class Scopes
{
    public const string RegistryRead = "registry.read";
    public const string RegistryWrite = "registry.write";
    public const string RegistrySteward = "registry.steward";
    public const string CivilVerify = "civil.verify";
    public const string DisbursementIssue = "disbursement.issue";
    public const string DisbursementConfirm = "disbursement.confirm";
    public const string AuditRead = "audit.read";
    public const string PartnersAdmin = "partners.admin";

    public static IReadOnlyList<string> All { get; } =
        [RegistryRead, RegistryWrite, RegistrySteward, CivilVerify, DisbursementIssue, DisbursementConfirm, AuditRead, PartnersAdmin];

    /// <summary>
    /// The scopes each kind may hold. Ministries, disaster responders and researchers read the
    /// registry, but only through the views of their purposes (<see cref="Privacy.Purposes"/>):
    /// a purpose-limited subset, no identities or names for relief, de-identified records.
    /// </summary>
    private static readonly Dictionary<PartnerKind, string[]> Ceilings = new()
    {
        [PartnerKind.Steward] = [RegistryRead, RegistryWrite, RegistrySteward, DisbursementIssue, AuditRead, PartnersAdmin],
        [PartnerKind.CivilRegistry] = [RegistryRead, RegistryWrite, CivilVerify],
        [PartnerKind.LocalGovernment] = [RegistryRead, RegistryWrite],
        [PartnerKind.Bank] = [DisbursementConfirm],
        [PartnerKind.Ministry] = [RegistryRead],
        [PartnerKind.Auditor] = [RegistryRead, AuditRead],
        [PartnerKind.DisasterResponder] = [RegistryRead],
        [PartnerKind.Researcher] = [RegistryRead],
    };

    /// <summary>The scopes a kind may hold; none for a kind the hub does not know.</summary>
    public static IReadOnlyList<string> HeldBy(PartnerKind kind) => Ceilings.GetValueOrDefault(kind) ?? [];
}
