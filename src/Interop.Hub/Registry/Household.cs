using Interop.Hub.Partners;
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
            StoredPrecision(proposed.Timestamp),
            StoredPrecision(proposed.Timestamp));

    /// <summary>PostgreSQL keeps microseconds; the snapshot keeps the same instant as the stored event.</summary>
    private static DateTimeOffset StoredPrecision(DateTimeOffset timestamp) =>
        new(timestamp.Ticks - (timestamp.Ticks % 10), timestamp.Offset);
}

internal enum HouseholdStatus
{
    Proposed = 1,
}
