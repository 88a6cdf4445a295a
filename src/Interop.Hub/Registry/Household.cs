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

    /// <summary>
    /// The people the civil registry confirmed for this household, with the identity it confirmed
    /// (NIK, name, birth date, sex): by a verdict, by adding the person itself, or carried along when
    /// the person moved here from a household that had them confirmed. A confirmation covers that
    /// identity only: the same NIK with other data is another person, unconfirmed.
    /// </summary>
    public IReadOnlyList<ConfirmedPerson> Confirmed { get; init; } = [];

    /// <summary>Recipients' accounts at paying banks, one per person and bank: asked for, opened or refused (personal data: the steward and that bank only).</summary>
    public IReadOnlyList<RecipientAccount> Accounts { get; init; } = [];

    /// <summary>The account a person is paid on: the one opened last, at whichever bank.</summary>
    public RecipientAccount? PaidAccountOf(string nik) => Accounts.LastOrDefault(account => account.Nik == nik && account.Status == AccountStatus.Opened);

    /// <summary>NIKs the steward admitted without the civil registry's confirmation, each by an explicit, reasoned exception in the history.</summary>
    public IReadOnlyList<string> ExceptedNiks { get; init; } = [];

    /// <summary>How the person's identity stands for this household.</summary>
    public IdentityStatus IdentityOf(HouseholdMember person) =>
        Confirmed.Any(confirmed => confirmed.Is(person)) ? IdentityStatus.Confirmed
        : ExceptedNiks.Contains(person.Nik) ? IdentityStatus.Excepted
        : IdentityStatus.Unconfirmed;

    /// <summary>Confirmed by the civil registry, or admitted by the steward's exception: the person may be in an active household.</summary>
    public bool IsCleared(HouseholdMember person) => IdentityOf(person) != IdentityStatus.Unconfirmed;

    /// <summary>Members neither confirmed by the civil registry nor excepted by the steward.</summary>
    [JsonIgnore]
    public IReadOnlyList<HouseholdMember> UnclearedMembers => Members.Where(member => !IsCleared(member)).ToList();

    /// <summary>People waiting in pending add-member changes: the civil registry may judge them before the steward decides.</summary>
    [JsonIgnore]
    public IEnumerable<HouseholdMember> PendingPeople => PendingChanges.Select(pending => pending.MemberAdded?.Member).OfType<HouseholdMember>();

    /// <summary>The distinct people known here under a NIK: a member, people of pending additions.</summary>
    public IReadOnlyList<HouseholdMember> PeopleUnder(string nik) =>
        Members.Concat(PendingPeople).Where(person => person.Nik == nik).DistinctBy(ConfirmedPerson.Of).ToList();

    /// <summary>Held in a conflict case because a member's NIK was active elsewhere: its members' NIKs are not registered to it.</summary>
    public bool HeldForNikConflict { get; init; }

    /// <summary>
    /// The household holds its members' NIKs (their <see cref="Storage.NikRegistration"/> rows name it):
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
            Confirmed = ConfirmedAmong(split.Data.Members, split.Data.ConfirmedNiks),
            ExceptedNiks = split.Data.ExceptedNiks ?? [],
        };

    /// <summary>The leaving people take their standing to their new household; none is left here.</summary>
    public Household Apply(IEvent<HouseholdSplit> split) =>
        Forgetting(After(split) with { Members = Members.Where(member => !split.Data.LeavingNiks.Contains(member.Nik)).ToList() }, split.Data.LeavingNiks);

    public Household Apply(IEvent<FamilyJoined> joined) =>
        After(joined) with
        {
            Members = [.. Members, .. joined.Data.Members],
            // A merge stored before identities were tracked joined an active household's members: confirmed then.
            Confirmed = [.. Confirmed, .. ConfirmedAmong(joined.Data.Members, joined.Data.ConfirmedNiks)],
            ExceptedNiks = [.. ExceptedNiks.Union(joined.Data.ExceptedNiks ?? [])],
        };

    public Household Apply(IEvent<JoinedFamily> joined) =>
        After(joined) with { Status = HouseholdStatus.Merged, MergedInto = joined.Data.SurvivorHouseholdId };

    /// <summary>
    /// A confirmed verdict confirms the people known here under the NIK (a member, or the person of a
    /// pending addition: the decision allows one person per NIK), with their identity as it stands;
    /// any other verdict takes the NIK's confirmations back. An active household stays active; a
    /// proposal is verified when every verdict confirmed.
    /// </summary>
    public Household Apply(IEvent<IdentitiesVerified> verified)
    {
        var refused = verified.Data.Checks.Where(check => check.Verdict != IdentityVerdict.Confirmed).Select(check => check.Nik).ToHashSet(StringComparer.Ordinal);
        var confirmed = verified.Data.Checks.Where(check => check.Verdict == IdentityVerdict.Confirmed).SelectMany(check => PeopleUnder(check.Nik)).Select(ConfirmedPerson.Of);
        return After(verified) with
        {
            Confirmed = [.. Confirmed.Where(person => !refused.Contains(person.Nik)).Union(confirmed)],
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
    /// The civil registry vouches for a person it adds itself. Anyone else's addition of a person not
    /// confirmed for this household (a new NIK, or a known NIK with other data) sends a verified
    /// proposal back to verification: the civil registry has not judged that person.
    /// </summary>
    public Household Apply(IEvent<MemberAdded> added)
    {
        var person = added.Data.Member;
        var confirmedNow = added.Data.Actor.Kind == PartnerKind.CivilRegistry;
        return After(added) with
        {
            Members = [.. Members, person],
            Confirmed = confirmedNow ? [.. Confirmed.Where(confirmed => !confirmed.Is(person)), ConfirmedPerson.Of(person)] : Confirmed,
            Status = Status == HouseholdStatus.Verified && !confirmedNow && !IsCleared(person) ? HouseholdStatus.Proposed : Status,
        };
    }

    /// <summary>A person who leaves takes their standing along: if the NIK comes back, it is judged anew.</summary>
    public Household Apply(IEvent<MemberRemoved> removed) =>
        Forgetting(After(removed) with { Members = Members.Where(member => member.Nik != removed.Data.Nik).ToList() }, [removed.Data.Nik]);

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

    /// <summary>A rejected addition takes the standing of its person along, unless a member or another pending addition is that person or holds that NIK.</summary>
    public Household Apply(IEvent<ChangeRejected> rejected)
    {
        var after = After(rejected) with { PendingChanges = Without(rejected.Data.ChangeId) };
        if (PendingChanges.FirstOrDefault(pending => pending.ChangeId == rejected.Data.ChangeId)?.MemberAdded?.Member is not { } person)
        {
            return after;
        }

        var stillHere = after.Members.Concat(after.PendingPeople).ToList();
        return after with
        {
            Confirmed = [.. after.Confirmed.Where(confirmed => !confirmed.Is(person) || stillHere.Any(confirmed.Is))],
            ExceptedNiks = [.. after.ExceptedNiks.Where(nik => nik != person.Nik || stillHere.Any(other => other.Nik == nik))],
        };
    }

    public Household Apply(IEvent<HouseholdDeactivated> deactivated) => After(deactivated) with { Status = HouseholdStatus.Deactivated };

    public Household Apply(IEvent<RecipientAccountRequested> requested) =>
        After(requested) with { Accounts = WithAccount(new RecipientAccount(requested.Data.Nik, requested.Data.Bank, AccountStatus.Requested, null, null, null)) };

    public Household Apply(IEvent<RecipientAccountOpened> opened) =>
        After(opened) with
        {
            Accounts = WithAccount(new RecipientAccount(opened.Data.Nik, opened.Data.Bank, AccountStatus.Opened, opened.Data.AccountNumber, opened.Data.CardNumber, null)),
        };

    public Household Apply(IEvent<RecipientAccountRefused> refused) =>
        After(refused) with { Accounts = WithAccount(new RecipientAccount(refused.Data.Nik, refused.Data.Bank, AccountStatus.Refused, null, null, refused.Data.ReasonCode)) };

    /// <summary>The person's entry at that bank replaced, and moved last (the newest).</summary>
    private List<RecipientAccount> WithAccount(RecipientAccount account) =>
        [.. Accounts.Where(held => held.Nik != account.Nik || held.Bank != account.Bank), account];

    /// <summary>The household without any standing for these NIKs.</summary>
    private static Household Forgetting(Household household, IReadOnlyCollection<string> niks) =>
        household with
        {
            Confirmed = [.. household.Confirmed.Where(person => !niks.Contains(person.Nik))],
            ExceptedNiks = [.. household.ExceptedNiks.Where(nik => !niks.Contains(nik))],
            Accounts = [.. household.Accounts.Where(account => !niks.Contains(account.Nik))],
        };

    /// <summary>The moving members whose NIKs an event says were confirmed (all of them for an event from before it said so).</summary>
    private static List<ConfirmedPerson> ConfirmedAmong(IReadOnlyList<HouseholdMember> members, IReadOnlyList<string>? confirmedNiks) =>
        members.Where(member => confirmedNiks?.Contains(member.Nik) ?? true).Select(ConfirmedPerson.Of).ToList();

    private List<PendingChange> Without(Guid changeId) => PendingChanges.Where(pending => pending.ChangeId != changeId).ToList();

    private Household After(IEvent change) => this with { Version = change.Version, UpdatedAt = StoredTime.Of(change.Timestamp) };
}

/// <summary>The terms of <see cref="Household.SearchTerms"/>.</summary>
internal static class SearchTerm
{
    public static string Nik(string nik) => $"nik:{nik}";

    public static string Program(SocialProgram program) => $"program:{program}";
}

/// <summary>A person as the civil registry confirmed them: the NIK with the name, birth date and sex it was confirmed with.</summary>
internal sealed record ConfirmedPerson(string Nik, string FullName, DateOnly BirthDate, Sex Sex)
{
    public static ConfirmedPerson Of(HouseholdMember person) => new(person.Nik, person.FullName, person.BirthDate, person.Sex);

    public bool Is(HouseholdMember person) => Nik == person.Nik && FullName == person.FullName && BirthDate == person.BirthDate && Sex == person.Sex;
}

/// <summary>A recipient's account at a paying bank, as the bank reported it.</summary>
internal sealed record RecipientAccount(string Nik, string Bank, AccountStatus Status, string? AccountNumber, string? CardNumber, string? RefusalCode);

internal enum AccountStatus
{
    /// <summary>The steward asked the bank; it has not answered yet.</summary>
    Requested = 1,
    Opened = 2,
    Refused = 3,
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
