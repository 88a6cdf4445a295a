namespace Interop.Hub.Partners.Privacy;

/// <summary>
/// Why a call reads personal data (UU 27/2022 asks a purpose for each processing). Each purpose is
/// tied to a scope and to the kinds of partner whose role it is, and decides the view of the call:
/// what the caller sees of each kind of personal data. The list is documented in docs/partners.md.
/// </summary>
internal sealed record Purpose(string Code, string Scope, IReadOnlyList<PartnerKind> Kinds, DataView View, string Description);

/// <summary>What a purpose named in a call's metadata comes to: a purpose the partner may use, or why not.</summary>
internal abstract record PurposeDecision
{
    public sealed record Granted(Purpose Purpose) : PurposeDecision;

    /// <summary>The call reads personal data and named no purpose.</summary>
    public sealed record Missing(IReadOnlyList<string> Allowed) : PurposeDecision;

    /// <summary>No purpose has that code.</summary>
    public sealed record Unknown(IReadOnlyList<string> Allowed) : PurposeDecision;

    /// <summary>A purpose that is not this partner's: another kind's, or one whose scope it does not hold.</summary>
    public sealed record NotAllowed(string Code, string Reason, IReadOnlyList<string> Allowed) : PurposeDecision;
}

internal static class Purposes
{
    /// <summary>The metadata key a call names its purpose under.</summary>
    public const string MetadataKey = "x-interop-purpose";

    // An examination reads who changed what, when and why: the reasons, references, officers and
    // dates of death stay whole; the identities of the people in the records do not.
    private static readonly DataView AuditView = View("audit, without identities", new()
    {
        [PersonalData.Nik] = Disclosure.Masked,
        [PersonalData.FamilyCardNumber] = Disclosure.Masked,
        [PersonalData.BirthDate] = Disclosure.Coarse,
        [PersonalData.VillageCode] = Disclosure.Whole,
        [PersonalData.DeathDate] = Disclosure.Whole,
        [PersonalData.FreeText] = Disclosure.Whole,
        [PersonalData.PartnerReference] = Disclosure.Whole,
        [PersonalData.Officer] = Disclosure.Whole,
    });

    private static readonly DataView InsuranceView = View("insurance subsidy", new()
    {
        [PersonalData.Nik] = Disclosure.Whole,
        [PersonalData.BirthDate] = Disclosure.Coarse,
        [PersonalData.VillageCode] = Disclosure.Whole,
        [PersonalData.DeathDate] = Disclosure.Whole,
    });

    private static readonly DataView NeedsAssessmentView = View("needs assessment", new()
    {
        [PersonalData.BirthDate] = Disclosure.Coarse,
        [PersonalData.VillageCode] = Disclosure.Whole,
        [PersonalData.DeathDate] = Disclosure.Coarse,
    });

    private static readonly DataView ReliefDeliveryView = View("relief delivery", new()
    {
        [PersonalData.Nik] = Disclosure.Masked,
        [PersonalData.FullName] = Disclosure.Whole,
        [PersonalData.BirthDate] = Disclosure.Coarse,
        [PersonalData.AddressLine] = Disclosure.Whole,
        [PersonalData.VillageCode] = Disclosure.Whole,
        [PersonalData.DeathDate] = Disclosure.Whole,
    });

    private static readonly DataView ResearchView = View("de-identified", new()
    {
        [PersonalData.BirthDate] = Disclosure.Coarse,
        [PersonalData.VillageCode] = Disclosure.Coarse,
        [PersonalData.DeathDate] = Disclosure.Coarse,
    });

    // Opening an account needs the identity a bank's know-your-customer check asks for, nothing more.
    private static readonly DataView AccountOpeningView = View("account opening", new()
    {
        [PersonalData.Nik] = Disclosure.Whole,
        [PersonalData.FullName] = Disclosure.Whole,
        [PersonalData.BirthDate] = Disclosure.Whole,
        [PersonalData.AddressLine] = Disclosure.Whole,
        [PersonalData.VillageCode] = Disclosure.Whole,
    });

    // Paying a line needs the account and the name on it; not the NIK, the address or the family.
    private static readonly DataView PaymentView = View("payment", new()
    {
        [PersonalData.FullName] = Disclosure.Whole,
        [PersonalData.AccountNumber] = Disclosure.Whole,
    });

    public static IReadOnlyList<Purpose> All { get; } =
    [
        new("registry-stewardship", Scopes.RegistrySteward, [PartnerKind.Steward], DataView.Everything,
            "Keeping the national register: ratifying, enrolling, resolving conflicts."),
        new("household-verification", Scopes.RegistryRead, [PartnerKind.LocalGovernment], DataView.Everything,
            "A local government proposing and verifying the households of its own area."),
        new("identity-verification", Scopes.CivilVerify, [PartnerKind.CivilRegistry], DataView.Everything,
            "The civil registry, source of identities and family-card addresses, checking them and recording deaths, moves and splits."),
        new("audit-examination", Scopes.AuditRead, [PartnerKind.Auditor], AuditView,
            "Examining records and their history without identifying anyone: NIKs and family cards masked, no names or addresses, birth years."),
        new("audit-investigation", Scopes.AuditRead, [PartnerKind.Auditor], DataView.Everything,
            "Investigating named persons (a case file of the audit): identities whole."),
        new("health-insurance-subsidy", Scopes.RegistryRead, [PartnerKind.Ministry], InsuranceView,
            "Matching the register with the health-insurance subsidy (PBI) by NIK; no names or addresses."),
        new("disaster-needs-assessment", Scopes.RegistryRead, [PartnerKind.DisasterResponder], NeedsAssessmentView,
            "Knowing who lives in the affected villages, by vulnerable group: no identities."),
        new("disaster-relief-delivery", Scopes.RegistryRead, [PartnerKind.DisasterResponder], ReliefDeliveryView,
            "Delivering relief to named households: names and addresses, NIKs masked."),
        new("approved-research", Scopes.RegistryRead, [PartnerKind.Researcher], ResearchView,
            "An approved research request: no direct identifiers, birth years and districts only."),
        new("disbursement-issuing", Scopes.DisbursementIssue, [PartnerKind.Steward], DataView.WithAccounts,
            "Opening recipients' accounts, issuing disbursement batches and reconciling them: account numbers included."),
        new("account-opening", Scopes.DisbursementConfirm, [PartnerKind.Bank], AccountOpeningView,
            "A paying bank opening accounts for the recipients the steward sent it: the identity its know-your-customer check needs."),
        new("disbursement-payment", Scopes.DisbursementConfirm, [PartnerKind.Bank], PaymentView,
            "A paying bank crediting the lines assigned to it: the account and the name on it, no NIK or address."),
    ];

    /// <summary>The purpose a partner names for a call that reads personal data (<paramref name="code"/> null or empty: none).</summary>
    public static PurposeDecision Decide(string? code, PartnerKind kind, IReadOnlyList<string> scopes)
    {
        var allowed = All.Where(purpose => purpose.Kinds.Contains(kind) && scopes.Contains(purpose.Scope)).Select(purpose => purpose.Code).ToList();
        if (string.IsNullOrEmpty(code))
        {
            return new PurposeDecision.Missing(allowed);
        }

        if (All.FirstOrDefault(purpose => purpose.Code == code) is not { } named)
        {
            return new PurposeDecision.Unknown(allowed);
        }

        if (!named.Kinds.Contains(kind))
        {
            return new PurposeDecision.NotAllowed(named.Code, $"purpose {named.Code} is not a {PartnerIdentity.KindToken(kind)} partner's", allowed);
        }

        return scopes.Contains(named.Scope)
            ? new PurposeDecision.Granted(named)
            : new PurposeDecision.NotAllowed(named.Code, $"purpose {named.Code} needs scope {named.Scope}, which the partner does not hold", allowed);
    }

    /// <summary>The purpose with this code, if the hub knows one.</summary>
    public static Purpose? Find(string? code) => All.FirstOrDefault(purpose => purpose.Code == code);

    private static DataView View(string name, Dictionary<PersonalData, Disclosure> disclosures) => new(name, disclosures);
}
