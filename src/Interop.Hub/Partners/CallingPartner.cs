namespace Interop.Hub.Partners;

/// <summary>
/// The partner making a call, as the directory holds it at the call's start: its id and kind, the
/// areas it serves (none: the whole register), the scopes it holds, and the officer acting for it
/// if the call names one; the certificate it called with (SHA-256 thumbprint) and the call's correlation id.
/// </summary>
internal sealed record CallingPartner(string PartnerId, PartnerKind Kind, IReadOnlyList<string> Areas, IReadOnlyList<string> Scopes, string? OfficerId = null)
{
    public string? Certificate { get; init; }

    public string? CorrelationId { get; init; }

    public Actor Actor => new(PartnerId, Kind, OfficerId, Certificate, CorrelationId);

    /// <summary>Where the partner may act and see households: its areas; none for a local government without any (the directory never holds one).</summary>
    public Jurisdiction Jurisdiction => Areas.Count > 0 || Kind == PartnerKind.LocalGovernment ? Jurisdiction.Within(Areas) : Jurisdiction.Everywhere;
}
