namespace Interop.Hub.Partners;

/// <summary>
/// The partner making a call, as the directory holds it at the call's start: its id and kind, the
/// areas it serves (none: the whole register) and the scopes it holds.
/// </summary>
internal sealed record CallingPartner(string PartnerId, PartnerKind Kind, IReadOnlyList<string> Areas, IReadOnlyList<string> Scopes)
{
    public Actor Actor => new(PartnerId, Kind);

    /// <summary>Where the partner may act and see households: its areas; none for a local government without any (the directory never holds one).</summary>
    public Jurisdiction Jurisdiction => Areas.Count > 0 || Kind == PartnerKind.LocalGovernment ? Jurisdiction.Within(Areas) : Jurisdiction.Everywhere;
}
