namespace Interop.Hub.Partners;

/// <summary>
/// The partner that caused a change, as its client certificate identifies it, and the officer who
/// acted for it when the call named one (the partner's own staff id, x-interop-officer).
/// </summary>
internal sealed record Actor(string PartnerId, PartnerKind Kind, string? OfficerId = null)
{
    /// <summary>The hub itself, for what it records on its own (a conflict found while storing a proposal).</summary>
    public static Actor Hub { get; } = new("interop-hub", PartnerKind.Unspecified);
}

internal enum PartnerKind
{
    Unspecified = 0,
    Steward = 1,
    CivilRegistry = 2,
    LocalGovernment = 3,
    Bank = 4,
    Ministry = 5,
    Auditor = 6,
    DisasterResponder = 7,
    Researcher = 8,
}
