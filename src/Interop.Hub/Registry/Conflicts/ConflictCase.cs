using Interop.Hub.Partners;
using Interop.Hub.Storage;
using JasperFx.Events;

namespace Interop.Hub.Registry.Conflicts;

/// <summary>
/// A proposal was received for people whose NIKs are already active in other households, or who
/// look like people of other households under other NIKs (a likely duplicate, with its score and reasons).
/// </summary>
internal sealed record ConflictCaseOpened(
    Guid ProposedHouseholdId,
    IReadOnlyList<Guid> ExistingHouseholdIds,
    IReadOnlyList<string> Niks,
    Actor Actor,
    string Reason,
    ConflictKind Kind = ConflictKind.NikInUse,
    double Score = 1,
    IReadOnlyList<string>? Reasons = null);

/// <summary>The steward decided the case.</summary>
internal sealed record ConflictCaseResolved(ConflictResolution Resolution, Actor Actor, string Reason, string? EvidenceReference);

internal enum ConflictResolution
{
    Unspecified = 0,
    MergeIntoExisting = 1,
    MoveMembers = 2,
    RejectProposal = 3,
    MarkDistinct = 4,
}

internal enum ConflictKind
{
    NikInUse = 1,
    LikelyDuplicate = 2,

    /// <summary>The proposal's family-card number is held by another open household.</summary>
    FamilyCardInUse = 3,
}

/// <summary>A conflict case for the steward's worklist, folded from its own event stream.</summary>
internal sealed record ConflictCase(
    Guid Id,
    long Version,
    bool IsOpen,
    Guid ProposedHouseholdId,
    IReadOnlyList<Guid> ExistingHouseholdIds,
    IReadOnlyList<string> Niks,
    DateTimeOffset OpenedAt)
{
    public ConflictKind Kind { get; init; } = ConflictKind.NikInUse;

    public double Score { get; init; } = 1;

    public IReadOnlyList<string> Reasons { get; init; } = [];

    public ConflictResolution Resolution { get; init; }

    public Actor? ResolvedBy { get; init; }

    public string? ResolutionReason { get; init; }

    public static ConflictCase Create(IEvent<ConflictCaseOpened> opened) =>
        new(opened.StreamId, opened.Version, true, opened.Data.ProposedHouseholdId, opened.Data.ExistingHouseholdIds, opened.Data.Niks, StoredTime.Of(opened.Timestamp))
        {
            Kind = opened.Data.Kind,
            Score = opened.Data.Score,
            Reasons = opened.Data.Reasons ?? [],
        };

    public ConflictCase Apply(IEvent<ConflictCaseResolved> resolved) =>
        this with
        {
            Version = resolved.Version,
            IsOpen = false,
            Resolution = resolved.Data.Resolution,
            ResolvedBy = resolved.Data.Actor,
            ResolutionReason = resolved.Data.Reason,
        };
}
