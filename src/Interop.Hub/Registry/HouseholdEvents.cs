using Interop.Hub.Partners;

namespace Interop.Hub.Registry;

/// <summary>What every change to a household says besides the change itself: who, why, on what evidence.</summary>
internal interface IHouseholdEvent : IAttributedEvent
{
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

/// <summary>The civil registry gave its verdict on every member's NIK.</summary>
internal sealed record IdentitiesVerified(IReadOnlyList<IdentityCheck> Checks, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>The steward admitted the household to the register.</summary>
internal sealed record HouseholdRatified(Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>The steward rejected the proposal.</summary>
internal sealed record ProposalRejected(Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

internal sealed record MemberAdded(HouseholdMember Member, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

internal sealed record MemberRemoved(string Nik, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>The household moved; a village in another regency moves it to that jurisdiction.</summary>
internal sealed record AddressChanged(string VillageCode, string AddressLine, string PreviousVillageCode, Actor Actor, string Reason, string? EvidenceReference)
    : IHouseholdEvent;

internal sealed record MemberDied(string Nik, DateOnly DeathDate, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

internal sealed record ProgramEnrolled(ProgramMembership Membership, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

internal sealed record ProgramExited(SocialProgram Program, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>
/// The steward admits a person whose NIK the civil registry has not confirmed (a remote village
/// without civil-registry access, a record the civil registry cannot find yet...): an explicit
/// exception with its reason and evidence, which the history shows.
/// </summary>
internal sealed record IdentityExceptionGranted(string Nik, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

internal sealed record HouseholdDeactivated(Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>The steward asked a paying bank to open an account for the household's recipient (buka rekening kolektif).</summary>
internal sealed record RecipientAccountRequested(string Nik, string Bank, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>The bank opened the recipient's account: its number, and the KKS card's (empty while none was issued).</summary>
internal sealed record RecipientAccountOpened(string Nik, string Bank, string AccountNumber, string CardNumber, Actor Actor, string Reason, string? EvidenceReference)
    : IHouseholdEvent;

/// <summary>The bank refused to open the recipient's account, with an ISO 20022 reason code.</summary>
internal sealed record RecipientAccountRefused(string Nik, string Bank, string ReasonCode, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>The hub found members' NIKs active in other households and opened a conflict case instead of registering them twice.</summary>
internal sealed record HeldForConflict(Guid ConflictCaseId, IReadOnlyList<string> Niks, IReadOnlyList<Guid> ExistingHouseholdIds, Actor Actor, string Reason, string? EvidenceReference)
    : IHouseholdEvent;

/// <summary>The hub found the household likely duplicates others (the same people under other NIKs) and opened a conflict case.</summary>
internal sealed record FlaggedAsLikelyDuplicate(Guid ConflictCaseId, IReadOnlyList<Guid> OtherHouseholdIds, double Score, Actor Actor, string Reason, string? EvidenceReference)
    : IHouseholdEvent;

/// <summary>The conflict case holding the household was resolved in its favour.</summary>
internal sealed record ConflictCleared(Guid ConflictCaseId, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>The household duplicated another and was merged into it; the survivor keeps both histories.</summary>
internal sealed record MergedInto(Guid SurvivorHouseholdId, Guid ConflictCaseId, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>A duplicate household was merged into this one.</summary>
internal sealed record DuplicateMerged(Guid MergedHouseholdId, Guid ConflictCaseId, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>A local government asked for a change to a ratified household; it waits for the steward (maker-checker).</summary>
internal sealed record ChangeAwaitingApproval(PendingChange Change, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>The steward approved a pending change; the change itself is the next event, in the name of the partner that asked for it.</summary>
internal sealed record ChangeApproved(Guid ChangeId, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>The steward rejected a pending change.</summary>
internal sealed record ChangeRejected(Guid ChangeId, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>
/// A change waiting for approval: exactly one of the effects is set, already validated and
/// carrying the requesting partner as its actor. Stored inside <see cref="ChangeAwaitingApproval"/>.
/// </summary>
internal sealed record PendingChange(
    Guid ChangeId,
    MemberAdded? MemberAdded = null,
    MemberRemoved? MemberRemoved = null,
    AddressChanged? AddressChanged = null,
    MemberDied? MemberDied = null)
{
    /// <summary>When it was asked for; set when the event is applied to the household.</summary>
    public DateTimeOffset RequestedAt { get; init; }

    public IHouseholdEvent Effect =>
        (IHouseholdEvent?)MemberAdded ?? (IHouseholdEvent?)MemberRemoved ?? (IHouseholdEvent?)AddressChanged ?? MemberDied
        ?? throw new InvalidOperationException("A pending change without an effect.");

    public static PendingChange Of(Guid changeId, IHouseholdEvent effect) => effect switch
    {
        MemberAdded added => new(changeId, MemberAdded: added),
        MemberRemoved removed => new(changeId, MemberRemoved: removed),
        AddressChanged moved => new(changeId, AddressChanged: moved),
        MemberDied died => new(changeId, MemberDied: died),
        _ => throw new InvalidOperationException($"{effect.GetType().Name} does not wait for approval."),
    };
}

/// <summary>Members left to form a household of their own, on a new family card (pecah KK).</summary>
/// <remarks>Stored as <c>household_split_v2</c>; the first shape (<c>household_split</c>) is read through <see cref="StoredShapes.HouseholdSplitV1"/>.</remarks>
internal sealed record HouseholdSplit(Guid NewHouseholdId, IReadOnlyList<string> LeavingNiks, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>First event of a household formed by members who split from another; it starts active, as its origin was.</summary>
/// <remarks>The members bring their identities' standing along: <see cref="ConfirmedNiks"/> and <see cref="ExceptedNiks"/> (null in splits stored before these were tracked).</remarks>
internal sealed record SplitOff(
    Guid FromHouseholdId,
    string FamilyCardNumber,
    string VillageCode,
    string AddressLine,
    IReadOnlyList<HouseholdMember> Members,
    Actor Actor,
    string Reason,
    string? EvidenceReference,
    IReadOnlyList<string>? ConfirmedNiks = null,
    IReadOnlyList<string>? ExceptedNiks = null) : IHouseholdEvent;

/// <summary>Another family joined this household (two real families merged onto one family card).</summary>
/// <remarks>The members bring their identities' standing along: <see cref="ConfirmedNiks"/> and <see cref="ExceptedNiks"/> (null in merges stored before these were tracked).</remarks>
internal sealed record FamilyJoined(
    Guid FromHouseholdId,
    IReadOnlyList<HouseholdMember> Members,
    Actor Actor,
    string Reason,
    string? EvidenceReference,
    IReadOnlyList<string>? ConfirmedNiks = null,
    IReadOnlyList<string>? ExceptedNiks = null) : IHouseholdEvent;

/// <summary>This household's family joined another household; it is closed and points to it.</summary>
internal sealed record JoinedFamily(Guid SurvivorHouseholdId, Actor Actor, string Reason, string? EvidenceReference) : IHouseholdEvent;

/// <summary>One person on a family card.</summary>
internal sealed record HouseholdMember(
    string Nik,
    string FullName,
    DateOnly BirthDate,
    Sex Sex,
    Relationship Relationship);

internal sealed record IdentityCheck(string Nik, IdentityVerdict Verdict);

internal sealed record ProgramMembership(SocialProgram Program, IReadOnlyList<PkhComponent> Components);

internal enum IdentityVerdict
{
    Unspecified = 0,
    Confirmed = 1,
    NotFound = 2,
    Mismatch = 3,
    Deceased = 4,
}

internal enum SocialProgram
{
    Unspecified = 0,
    Pkh = 1,
    Bpnt = 2,
}

internal enum PkhComponent
{
    Unspecified = 0,
    PregnancyOrEarlyChildhood = 1,
    PrimarySchoolChild = 2,
    JuniorHighChild = 3,
    SeniorHighChild = 4,
    SevereDisability = 5,
    Elderly = 6,
}

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
