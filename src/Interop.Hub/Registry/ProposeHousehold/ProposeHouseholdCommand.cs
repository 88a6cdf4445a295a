using Interop.Hub.Partners;

namespace Interop.Hub.Registry.ProposeHousehold;

/// <summary>A partner's proposal of one household, as received and not yet checked.</summary>
internal sealed record ProposeHouseholdCommand(
    string PartnerReference,
    string FamilyCardNumber,
    string VillageCode,
    string AddressLine,
    IReadOnlyList<MemberDraft> Members,
    string Reason,
    string? EvidenceReference,
    Actor Actor)
{
    /// <summary>Where the proposing partner may propose households.</summary>
    public Jurisdiction Reach { get; init; } = Jurisdiction.Everywhere;
}

/// <summary>A member as received: the birth date is kept as its parts because it may be impossible.</summary>
internal sealed record MemberDraft(
    string Nik,
    string FullName,
    DateParts? BirthDate,
    Sex Sex,
    Relationship Relationship);

internal readonly record struct DateParts(int Year, int Month, int Day)
{
    public DateOnly? ToDate() =>
        Year is >= 1 and <= 9999 && Month is >= 1 and <= 12 && Day >= 1 && Day <= DateTime.DaysInMonth(Year, Month)
            ? new DateOnly(Year, Month, Day)
            : null;
}

/// <summary>A finding about one field, named by its path in the wire request (for example <c>household.members[2].nik</c>).</summary>
internal sealed record FieldIssue(string Field, string Description);
