namespace Interop.Hub.Partners.Privacy;

/// <summary>A kind of personal data, as the contracts mark it (interop.privacy.v1.PersonalData).</summary>
internal enum PersonalData
{
    Nik = 1,
    FamilyCardNumber = 2,
    FullName = 3,
    BirthDate = 4,
    AddressLine = 5,
    VillageCode = 6,
    DeathDate = 7,

    /// <summary>Reasons, evidence references and resolutions written by partners' staff.</summary>
    FreeText = 8,

    /// <summary>A partner's own reference for a record.</summary>
    PartnerReference = 9,

    /// <summary>A partner's staff id for the officer who acted.</summary>
    Officer = 10,

    /// <summary>A recipient's bank account or KKS card number: the steward and the recipient's own bank only.</summary>
    AccountNumber = 11,
}

/// <summary>How much of a kind of personal data a view shows.</summary>
internal enum Disclosure
{
    /// <summary>Not at all: the field comes back empty.</summary>
    Withheld = 0,

    /// <summary>Coarsened: a birth date to its year, a village code to its district.</summary>
    Coarse = 1,

    /// <summary>An identity number with all but its region (first 4) and last 2 digits starred: <c>3273**********01</c>.</summary>
    Masked = 2,

    Whole = 3,
}

/// <summary>
/// What a call may see of a person's record: for each kind of personal data, how much. Decided by
/// the hub from the purpose of the call (<see cref="Purposes"/>), never by the caller, who can only
/// narrow it further with a read mask.
/// </summary>
internal sealed record DataView(string Name, IReadOnlyDictionary<PersonalData, Disclosure> Disclosures)
{
    /// <summary>
    /// Everything a person's record in the register holds, whole: the view of the register's steward
    /// and of the area's own government. Not account numbers, which only the steward's disbursement
    /// work and the recipient's own bank see (<see cref="WithAccounts"/>).
    /// </summary>
    public static DataView Everything { get; } = new("everything", Enum.GetValues<PersonalData>().Where(kind => kind != PersonalData.AccountNumber).ToDictionary(kind => kind, _ => Disclosure.Whole));

    /// <summary>Everything, account numbers included: the steward issuing and reconciling payments.</summary>
    public static DataView WithAccounts { get; } = new("everything with accounts", Enum.GetValues<PersonalData>().ToDictionary(kind => kind, _ => Disclosure.Whole));

    public Disclosure Of(PersonalData kind) => Disclosures.GetValueOrDefault(kind, Disclosure.Withheld);

    /// <summary>True when the view changes nothing (no record needs to be walked).</summary>
    public bool IsWhole => Enum.GetValues<PersonalData>().All(kind => Of(kind) == Disclosure.Whole);

    /// <summary>The fields returned, for the access log: "nik:masked", "full_name:withheld", ...</summary>
    public IReadOnlyList<string> Describe() =>
        [.. Enum.GetValues<PersonalData>().Select(kind => $"{FieldName(kind)}:{Of(kind).ToString().ToLowerInvariant()}")];

    /// <summary>Why the view may not filter by this region (a village, for a view that shows districts only), or null.</summary>
    public string? RegionFilterRefusal(string regionPrefix) =>
        regionPrefix.Count(character => character == '.') >= 3 && Of(PersonalData.VillageCode) != Disclosure.Whole
            ? $"The view of this call ({Name}) shows districts, not villages, so it may not filter by a village."
            : null;

    public static string FieldName(PersonalData kind) => kind switch
    {
        PersonalData.Nik => "nik",
        PersonalData.FamilyCardNumber => "family_card_number",
        PersonalData.FullName => "full_name",
        PersonalData.BirthDate => "birth_date",
        PersonalData.AddressLine => "address_line",
        PersonalData.VillageCode => "village_code",
        PersonalData.DeathDate => "death_date",
        PersonalData.FreeText => "free_text",
        PersonalData.PartnerReference => "partner_reference",
        PersonalData.Officer => "officer_id",
        PersonalData.AccountNumber => "account_number",
        _ => kind.ToString(),
    };

    /// <summary>
    /// A text of the given kind as the view shows it: whole, masked, coarsened or empty. An identity
    /// number keeps its first four digits (province and regency of issue) and its last two.
    /// </summary>
    public string Show(PersonalData kind, string value) => (Of(kind), kind) switch
    {
        (Disclosure.Whole, _) => value,
        (_, _) when value.Length == 0 => value,
        (Disclosure.Masked, PersonalData.Nik or PersonalData.FamilyCardNumber) => Masked(value),
        (Disclosure.Coarse, PersonalData.VillageCode) => string.Join('.', value.Split('.').Take(3)),
        _ => string.Empty,
    };

    /// <summary>A date (of birth, of death) as the view shows it: whole, its year only (month and day 0), or none.</summary>
    public (int Year, int Month, int Day)? ShowDate(PersonalData kind, int year, int month, int day) => Of(kind) switch
    {
        Disclosure.Whole => (year, month, day),
        Disclosure.Coarse or Disclosure.Masked => (year, 0, 0),
        _ => null,
    };

    private static string Masked(string number) =>
        number.Length > 6 ? string.Concat(number.AsSpan(0, 4), new string('*', number.Length - 6), number.AsSpan(number.Length - 2)) : new string('*', number.Length);
}
