using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.ReferenceData;

namespace Interop.Hub.Registry.ChangeHousehold;

/// <summary>One lifecycle step for one household, based on the version its sender last saw.</summary>
internal sealed record ChangeHouseholdCommand(
    Guid HouseholdId,
    long ExpectedVersion,
    string IdempotencyKey,
    string Reason,
    string? EvidenceReference,
    HouseholdChange Change,
    Actor Actor)
{
    /// <summary>Where the partner may change households: the household, and wherever the step would place its people.</summary>
    public Jurisdiction Reach { get; init; } = Jurisdiction.Everywhere;
}

/// <summary>
/// A lifecycle step, with its own rules: who may ask for it, what makes the request wrong, what the
/// household's state must allow, and which events it becomes. Each step is one file in
/// <c>Changes/</c>; <see cref="ChangeRules.Decide"/> applies what all steps share. Pure.
/// <see cref="Field"/> is the step's field name in the wire request.
/// </summary>
internal abstract partial record HouseholdChange(string Field)
{
    /// <summary>Which partner kinds may ask for the step; anything not listed is denied.</summary>
    public abstract IReadOnlyCollection<PartnerKind> AskedBy { get; }

    /// <summary>The villages the step would place people in (a move's, a split's new household's): they must be within the partner's reach too.</summary>
    public virtual IEnumerable<string> Destinations => [];

    /// <summary>Maker-checker: asked by a local government of a ratified household, the step waits for the steward's approval.</summary>
    public virtual bool IsMakerChecked => false;

    /// <summary>What is wrong with the request itself (for some steps, read against the household it names).</summary>
    public virtual IEnumerable<FieldIssue> Check(Household household, ChangeHouseholdCommand command, ChangeContext context) => [];

    /// <summary>Why the household's state does not allow the step (on an open household), or null when it does.</summary>
    public virtual string? Precondition(Household household, ChangeHouseholdCommand command, ChangeContext context) => null;

    /// <summary>The events of a well-formed, allowed step (the command's reason and evidence already cleaned).</summary>
    public abstract ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context);

    /// <summary>The request named no change at all.</summary>
    public sealed record Missing() : HouseholdChange("change")
    {
        public override IReadOnlyCollection<PartnerKind> AskedBy => [];

        public override ChangeDecision.Accepted Decide(Household household, ChangeHouseholdCommand command, ChangeContext context) =>
            throw new InvalidOperationException("A missing change is refused before it is decided.");
    }
}

/// <summary>What a change's decision consults besides the household and the command.</summary>
/// <param name="Other">For a merge: the household whose family joins (null when it does not exist).</param>
/// <param name="WaitsForApproval">The step will wait for the steward, who checks it again when it would take effect.</param>
internal sealed record ChangeContext(DecisionContext Decision, RegionTable Regions, Household? Other = null, bool WaitsForApproval = false)
{
    public DateOnly Today => Decision.Today;
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

    /// <summary>PERMISSION_DENIED: this kind of partner may not make this change, or not here (<paramref name="OutsideReach"/>).</summary>
    public sealed record Forbidden(string Reason, bool OutsideReach = false) : ChangeDecision;
}
