using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Registry.ChangeHousehold;

/// <summary>One lifecycle step for one household, based on the version its sender last saw.</summary>
internal sealed record ChangeHouseholdCommand(
    Guid HouseholdId,
    long ExpectedVersion,
    string IdempotencyKey,
    string Reason,
    string? EvidenceReference,
    HouseholdChange Change,
    Actor Actor);

/// <summary>The lifecycle steps; <see cref="Field"/> is the step's field name in the wire request.</summary>
internal abstract record HouseholdChange(string Field)
{
    public sealed record VerifyIdentities(IReadOnlyList<IdentityCheck> Checks) : HouseholdChange("verify_identities");

    public sealed record Ratify() : HouseholdChange("ratify_household");

    public sealed record RejectProposal() : HouseholdChange("reject_proposal");

    public sealed record AddMember(MemberDraft Member) : HouseholdChange("add_member");

    public sealed record RemoveMember(string Nik) : HouseholdChange("remove_member");

    public sealed record ChangeAddress(string VillageCode, string AddressLine) : HouseholdChange("change_address");

    public sealed record RecordDeath(string Nik, DateParts? DeathDate) : HouseholdChange("record_death");

    public sealed record Enroll(ProgramMembership Membership) : HouseholdChange("enroll_in_program");

    public sealed record ExitProgram(SocialProgram Program) : HouseholdChange("exit_program");

    public sealed record Deactivate() : HouseholdChange("deactivate_household");

    public sealed record ApproveChange(string ChangeId) : HouseholdChange("approve_change");

    /// <summary>The steward admits a person the civil registry has not confirmed, by an explicit exception.</summary>
    public sealed record GrantIdentityException(string Nik) : HouseholdChange("grant_identity_exception");

    public sealed record RejectChange(string ChangeId) : HouseholdChange("reject_change");

    /// <summary>Members leave to form a household of their own on a new family card.</summary>
    public sealed record Split(IReadOnlyList<NewRelationship> Members, string FamilyCardNumber, string VillageCode, string AddressLine) : HouseholdChange("split_household");

    /// <summary>Another household's family joins this one; the other is closed and points here.</summary>
    public sealed record Merge(string OtherHouseholdId, long OtherExpectedVersion, IReadOnlyList<NewRelationship> Members) : HouseholdChange("merge_household");

    /// <summary>The request named no change at all.</summary>
    public sealed record Missing() : HouseholdChange("change");
}

/// <summary>A member's relationship to the head of the household they are now in.</summary>
internal sealed record NewRelationship(string Nik, Relationship Relationship);

/// <summary>Events for another household's stream than the one changed, after the version the decision read; a new stream when <see cref="ReadVersion"/> is null.</summary>
internal sealed record OtherStreamWrite(Guid HouseholdId, long? ReadVersion, IReadOnlyList<IHouseholdEvent> Events);

/// <summary>The outcome of deciding a change against the household's current state.</summary>
internal abstract record ChangeDecision
{
    public sealed record Accepted(IReadOnlyList<IHouseholdEvent> Events) : ChangeDecision
    {
        /// <summary>What the change writes to other households (the new household of a split, the family that joins).</summary>
        public IReadOnlyList<OtherStreamWrite> Others { get; init; } = [];

        /// <summary>The household a split created.</summary>
        public Guid? NewHouseholdId => Others.FirstOrDefault(other => other.ReadVersion is null)?.HouseholdId;

        /// <summary>Set when the change waits for the steward's approval instead of taking effect.</summary>
        public Guid? PendingChangeId => Events is [ChangeAwaitingApproval awaiting] ? awaiting.Change.ChangeId : null;
    }

    /// <summary>INVALID_ARGUMENT: the request itself is wrong, whatever the household's state.</summary>
    public sealed record Invalid(IReadOnlyList<FieldIssue> Violations) : ChangeDecision;

    /// <summary>FAILED_PRECONDITION: the household's state does not allow the change.</summary>
    public sealed record NotAllowed(string Reason) : ChangeDecision;

    /// <summary>PERMISSION_DENIED: this kind of partner may not make this change.</summary>
    public sealed record Forbidden(string Reason) : ChangeDecision;
}
