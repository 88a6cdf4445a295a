namespace Interop.Hub.Partners;

/// <summary>
/// The partner that caused a change, as its client certificate identifies it, and the officer who
/// acted for it when the call named one (the partner's own staff id, x-interop-officer); the
/// certificate it called with (SHA-256 thumbprint, upper-case hex) and the correlation id of the
/// call (the partner's x-correlation-id, or the one the hub made and answered with). Events stored
/// before the last two were kept have neither.
/// </summary>
internal sealed record Actor(string PartnerId, PartnerKind Kind, string? OfficerId = null, string? Certificate = null, string? CorrelationId = null)
{
    /// <summary>The hub itself, for what it records on its own (a conflict found while storing a proposal).</summary>
    public static Actor Hub { get; } = new("interop-hub", PartnerKind.Unspecified);
}

/// <summary>What every stored change says besides the change itself: who made it and why.</summary>
internal interface IAttributedEvent
{
    Actor Actor { get; }

    string Reason { get; }
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
