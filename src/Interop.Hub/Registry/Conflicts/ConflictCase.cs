using Interop.Hub.Partners;
using Interop.Hub.Storage;
using JasperFx.Events;

namespace Interop.Hub.Registry.Conflicts;

/// <summary>A proposal was received for people whose NIKs are already active in other households.</summary>
internal sealed record ConflictCaseOpened(Guid ProposedHouseholdId, IReadOnlyList<Guid> ExistingHouseholdIds, IReadOnlyList<string> Niks, Actor Actor, string Reason);

/// <summary>The steward decided the case.</summary>
internal sealed record ConflictCaseResolved(ConflictResolution Resolution, Actor Actor, string Reason, string? EvidenceReference);

internal enum ConflictResolution
{
    Unspecified = 0,
    MergeIntoExisting = 1,
    MoveMembers = 2,
    RejectProposal = 3,
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
    public ConflictResolution Resolution { get; init; }

    public Actor? ResolvedBy { get; init; }

    public string? ResolutionReason { get; init; }

    public static ConflictCase Create(IEvent<ConflictCaseOpened> opened) =>
        new(opened.StreamId, opened.Version, true, opened.Data.ProposedHouseholdId, opened.Data.ExistingHouseholdIds, opened.Data.Niks, StoredTime.Of(opened.Timestamp));

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
