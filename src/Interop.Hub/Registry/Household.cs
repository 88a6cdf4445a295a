using Interop.Hub.Partners;
using Interop.Hub.Storage;
using System.Text.Json.Serialization;
using JasperFx.Events;

namespace Interop.Hub.Registry;

/// <summary>
/// A household's current state, folded from its event stream. Immutable: every event yields a new
/// value, so an instance held in Marten's identity map is never changed under anyone's feet.
/// </summary>
internal sealed record Household(
    Guid Id,
    long Version,
    HouseholdStatus Status,
    string FamilyCardNumber,
    string VillageCode,
    string AddressLine,
    IReadOnlyList<HouseholdMember> Members,
    Actor ProposedBy,
    string PartnerReference,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Deaths recorded, by NIK.</summary>
    public IReadOnlyDictionary<string, DateOnly> Deaths { get; init; } = new Dictionary<string, DateOnly>();

    public IReadOnlyList<ProgramMembership> Programs { get; init; } = [];

    /// <summary>The conflict case holding the household, while one is open.</summary>
    public Guid? OpenConflictCaseId { get; init; }

    /// <summary>For a merged duplicate, the household it was merged into.</summary>
    public Guid? MergedInto { get; init; }

    /// <summary>Duplicates merged into this household.</summary>
    public IReadOnlyList<Guid> MergedFrom { get; init; } = [];

    /// <summary>Local governments' changes waiting for the steward's approval, oldest first.</summary>
    public IReadOnlyList<PendingChange> PendingChanges { get; init; } = [];

    /// <summary>NIKs the civil registry confirmed for this household: by a verdict, by adding the person itself, or carried along when the person moved here from a household that had them confirmed.</summary>
    public IReadOnlyList<string> ConfirmedNiks { get; init; } = [];

    /// <summary>NIKs the steward admitted without the civil registry's confirmation, each by an explicit, reasoned exception in the history.</summary>
    public IReadOnlyList<string> ExceptedNiks { get; init; } = [];

    /// <summary>How the person's identity stands for this household.</summary>
    public IdentityStatus IdentityOf(string nik) =>
        ConfirmedNiks.Contains(nik) ? IdentityStatus.Confirmed : ExceptedNiks.Contains(nik) ? IdentityStatus.Excepted : IdentityStatus.Unconfirmed;

    /// <summary>Confirmed by the civil registry, or admitted by the steward's exception: the person may be in an active household.</summary>
    public bool IsCleared(string nik) => IdentityOf(nik) != IdentityStatus.Unconfirmed;

    /// <summary>Members neither confirmed by the civil registry nor excepted by the steward.</summary>
    [JsonIgnore]
    public IReadOnlyList<HouseholdMember> UnclearedMembers => Members.Where(member => !IsCleared(member.Nik)).ToList();

    /// <summary>People waiting in a pending add-member change: the civil registry may judge them before the steward decides.</summary>
    [JsonIgnore]
    public IEnumerable<string> PendingNiks => PendingChanges.Select(pending => pending.MemberAdded?.Member.Nik).OfType<string>();

    /// <summary>The search-terms index's predicate: a query on the terms says it too, so that the partial index serves it.</summary>
    public const string SearchTermsIndexed = "cardinality(search_terms) > 0";

    /// <summary>Held in a conflict case because a member's NIK was active elsewhere: its members' NIKs are not registered to it.</summary>
    public bool HeldForNikConflict { get; init; }

    /// <summary>
    /// The household holds its members' NIKs (their <see cref="NikRegistration"/> rows name it):
    /// search by NIK finds it through them. It does unless it is closed (its NIKs were released) or
    /// held in a NIK conflict (they were never registered).
    /// </summary>
    [JsonIgnore]
    public bool HoldsMemberNiks => !IsClosed && !HeldForNikConflict;

    /// <summary>
    /// What search finds the household by in its GIN-indexed column, besides the NIK registrations:
    /// "program:" per membership, and "nik:" per member only while the household does not hold its
    /// members' NIKs. Most households have no term at all, and the partial index leaves them out,
    /// which keeps the bulk load from writing an index entry per person twice.
    /// </summary>
    [JsonIgnore]
    public string[] SearchTerms =>
        [.. HoldsMemberNiks ? [] : Members.Select(member => SearchTerm.Nik(member.Nik)), .. Programs.Select(membership => SearchTerm.Program(membership.Program))];

    /// <summary>True once the household can no longer change: rejected, deactivated or merged away.</summary>
    public bool IsClosed => Status is HouseholdStatus.Rejected or HouseholdStatus.Deactivated or HouseholdStatus.Merged;

    public static Household Create(IEvent<HouseholdProposed> proposed) =>
        new(
            proposed.StreamId,
            proposed.Version,
            HouseholdStatus.Proposed,
            proposed.Data.FamilyCardNumber,
            proposed.Data.VillageCode,
            proposed.Data.AddressLine,
            proposed.Data.Members,
            proposed.Data.Actor,
            proposed.Data.PartnerReference,
            StoredTime.Of(proposed.Timestamp),
            StoredTime.Of(proposed.Timestamp));

    public static Household Create(IEvent<SplitOff> split) =>
        new(
            split.StreamId,
            split.Version,
            HouseholdStatus.Active,
            split.Data.FamilyCardNumber,
            split.Data.VillageCode,
            split.Data.AddressLine,
            split.Data.Members,
            split.Data.Actor,
            string.Empty,
            StoredTime.Of(split.Timestamp),
            StoredTime.Of(split.Timestamp))
        {
            // A split stored before identities were tracked moved members of an active household: confirmed then.
            ConfirmedNiks = split.Data.ConfirmedNiks ?? split.Data.Members.Select(member => member.Nik).ToList(),
            ExceptedNiks = split.Data.ExceptedNiks ?? [],
        };

    public Household Apply(IEvent<HouseholdSplit> split) =>
        After(split) with { Members = Members.Where(member => !split.Data.LeavingNiks.Contains(member.Nik)).ToList() };

    public Household Apply(IEvent<FamilyJoined> joined) =>
        After(joined) with
        {
            Members = [.. Members, .. joined.Data.Members],
            // A merge stored before identities were tracked joined an active household's members: confirmed then.
            ConfirmedNiks = [.. ConfirmedNiks.Union(joined.Data.ConfirmedNiks ?? joined.Data.Members.Select(member => member.Nik).ToList())],
            ExceptedNiks = [.. ExceptedNiks.Union(joined.Data.ExceptedNiks ?? [])],
        };

    public Household Apply(IEvent<JoinedFamily> joined) =>
        After(joined) with { Status = HouseholdStatus.Merged, MergedInto = joined.Data.SurvivorHouseholdId };

    /// <summary>
    /// A confirmed verdict confirms the NIK for this household; any other takes a confirmation back.
    /// An active household stays active (its judged people are pending additions or still unconfirmed);
    /// a proposal is verified when every verdict confirmed.
    /// </summary>
    public Household Apply(IEvent<IdentitiesVerified> verified)
    {
        var confirmed = verified.Data.Checks.Where(check => check.Verdict == IdentityVerdict.Confirmed).Select(check => check.Nik).ToList();
        var refused = verified.Data.Checks.Where(check => check.Verdict != IdentityVerdict.Confirmed).Select(check => check.Nik).ToHashSet(StringComparer.Ordinal);
        return After(verified) with
        {
            ConfirmedNiks = [.. ConfirmedNiks.Where(nik => !refused.Contains(nik)).Union(confirmed)],
            Status = Status == HouseholdStatus.Active ? Status : refused.Count == 0 ? HouseholdStatus.Verified : HouseholdStatus.VerificationFailed,
        };
    }

    public Household Apply(IEvent<IdentityExceptionGranted> granted) => After(granted) with { ExceptedNiks = [.. ExceptedNiks, granted.Data.Nik] };

    public Household Apply(IEvent<HouseholdRatified> ratified) => After(ratified) with { Status = HouseholdStatus.Active };

    public Household Apply(IEvent<ProposalRejected> rejected) =>
        After(rejected) with { Status = HouseholdStatus.Rejected, OpenConflictCaseId = null, HeldForNikConflict = false };

    public Household Apply(IEvent<HeldForConflict> held) => After(held) with { OpenConflictCaseId = held.Data.ConflictCaseId, HeldForNikConflict = true };

    public Household Apply(IEvent<FlaggedAsLikelyDuplicate> flagged) => After(flagged) with { OpenConflictCaseId = flagged.Data.ConflictCaseId };

    public Household Apply(IEvent<ConflictCleared> cleared) => After(cleared) with { OpenConflictCaseId = null, HeldForNikConflict = false };

    public Household Apply(IEvent<MergedInto> merged) =>
        After(merged) with { Status = HouseholdStatus.Merged, MergedInto = merged.Data.SurvivorHouseholdId, OpenConflictCaseId = null, HeldForNikConflict = false };

    public Household Apply(IEvent<DuplicateMerged> merged) => After(merged) with { MergedFrom = [.. MergedFrom, merged.Data.MergedHouseholdId] };

    /// <summary>
    /// The civil registry vouches for a person it adds itself. Anyone else's addition to a verified
    /// proposal sends it back to verification: the civil registry has not judged the new person.
    /// </summary>
    public Household Apply(IEvent<MemberAdded> added)
    {
        var nik = added.Data.Member.Nik;
        var confirmedNow = added.Data.Actor.Kind == PartnerKind.CivilRegistry;
        return After(added) with
        {
            Members = [.. Members, added.Data.Member],
            ConfirmedNiks = confirmedNow && !ConfirmedNiks.Contains(nik) ? [.. ConfirmedNiks, nik] : ConfirmedNiks,
            Status = Status == HouseholdStatus.Verified && !confirmedNow && !IsCleared(nik) ? HouseholdStatus.Proposed : Status,
        };
    }

    public Household Apply(IEvent<MemberRemoved> removed) =>
        After(removed) with { Members = Members.Where(member => member.Nik != removed.Data.Nik).ToList() };

    public Household Apply(IEvent<AddressChanged> moved) =>
        After(moved) with { VillageCode = moved.Data.VillageCode, AddressLine = moved.Data.AddressLine };

    public Household Apply(IEvent<MemberDied> died) =>
        After(died) with { Deaths = new Dictionary<string, DateOnly>(Deaths) { [died.Data.Nik] = died.Data.DeathDate } };

    public Household Apply(IEvent<ProgramEnrolled> enrolled) => After(enrolled) with { Programs = [.. Programs, enrolled.Data.Membership] };

    public Household Apply(IEvent<ProgramExited> exited) =>
        After(exited) with { Programs = Programs.Where(membership => membership.Program != exited.Data.Program).ToList() };

    public Household Apply(IEvent<ChangeAwaitingApproval> awaiting) =>
        After(awaiting) with { PendingChanges = [.. PendingChanges, awaiting.Data.Change with { RequestedAt = StoredTime.Of(awaiting.Timestamp) }] };

    public Household Apply(IEvent<ChangeApproved> approved) => After(approved) with { PendingChanges = Without(approved.Data.ChangeId) };

    public Household Apply(IEvent<ChangeRejected> rejected) => After(rejected) with { PendingChanges = Without(rejected.Data.ChangeId) };

    public Household Apply(IEvent<HouseholdDeactivated> deactivated) => After(deactivated) with { Status = HouseholdStatus.Deactivated };

    private List<PendingChange> Without(Guid changeId) => PendingChanges.Where(pending => pending.ChangeId != changeId).ToList();

    private Household After(IEvent change) => this with { Version = change.Version, UpdatedAt = StoredTime.Of(change.Timestamp) };
}

/// <summary>The terms of <see cref="Household.SearchTerms"/>.</summary>
internal static class SearchTerm
{
    public static string Nik(string nik) => $"nik:{nik}";

    public static string Program(SocialProgram program) => $"program:{program}";
}

/// <summary>Where a person's identity stands for a household.</summary>
internal enum IdentityStatus
{
    Unconfirmed = 0,
    Confirmed = 1,
    Excepted = 2,
}

internal enum HouseholdStatus
{
    Proposed = 1,
    Verified = 2,
    VerificationFailed = 3,
    Active = 4,
    Rejected = 5,
    Deactivated = 6,
    Merged = 7,
}
