namespace Interop.Hub.Partners.Directory;

/// <summary>What every change to a partner's record says besides the change itself: who made it and why.</summary>
internal interface IPartnerEvent : IAttributedEvent;

/// <summary>A client certificate bound to a partner, named by the SHA-256 of its DER encoding (upper-case hex).</summary>
internal sealed record BoundCertificate(string Thumbprint, string Subject, string SerialNumber, DateTimeOffset NotAfter);

/// <summary>The steward (or the hub's seed) registered a partner.</summary>
internal sealed record PartnerRegistered(
    string PartnerId,
    PartnerKind Kind,
    string DisplayName,
    IReadOnlyList<string> Areas,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<BoundCertificate> Certificates,
    Actor Actor,
    string Reason) : IPartnerEvent;

internal sealed record PartnerScopesChanged(IReadOnlyList<string> Scopes, Actor Actor, string Reason) : IPartnerEvent;

internal sealed record PartnerAreasChanged(IReadOnlyList<string> Areas, Actor Actor, string Reason) : IPartnerEvent;

internal sealed record PartnerCertificateBound(BoundCertificate Certificate, Actor Actor, string Reason) : IPartnerEvent;

internal sealed record PartnerCertificateUnbound(string Thumbprint, Actor Actor, string Reason) : IPartnerEvent;

internal sealed record PartnerSuspended(Actor Actor, string Reason) : IPartnerEvent;

internal sealed record PartnerReinstated(Actor Actor, string Reason) : IPartnerEvent;
