using Interop.Hub.Partners;
namespace Interop.Hub.Registry;

/// <summary>What every change to a household says besides the change itself: who, why, on what evidence.</summary>
internal interface IHouseholdEvent
{
    Actor Actor { get; }

    string Reason { get; }

    string? EvidenceReference { get; }
}

/// <summary>A partner proposed a new household for the register.</summary>
internal sealed record HouseholdProposed(
    string PartnerReference,
    string FamilyCardNumber,
    string VillageCode,
    string AddressLine,
    IReadOnlyList<HouseholdMember> Members,
    Actor Actor,
    string Reason,
    string? EvidenceReference) : IHouseholdEvent;

/// <summary>One person on a family card.</summary>
internal sealed record HouseholdMember(
    string Nik,
    string FullName,
    DateOnly BirthDate,
    Sex Sex,
    Relationship Relationship);

internal enum Sex
{
    Unspecified = 0,
    Male = 1,
    Female = 2,
}

internal enum Relationship
{
    Unspecified = 0,
    Head = 1,
    Spouse = 2,
    Child = 3,
    ChildInLaw = 4,
    Grandchild = 5,
    Parent = 6,
    ParentInLaw = 7,
    OtherRelative = 8,
    HouseholdHelper = 9,
    Other = 10,
}
