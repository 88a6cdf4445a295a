using Interop.Hub.Storage;
using JasperFx.Events;

namespace Interop.Hub.Partners.Directory;

internal enum PartnerStatus
{
    Active = 1,
    Suspended = 2,
}

/// <summary>A partner as the directory holds it now, folded from its own event stream.</summary>
internal sealed record Partner(
    Guid Id,
    long Version,
    string PartnerId,
    PartnerKind Kind,
    string DisplayName,
    IReadOnlyList<string> Areas,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<BoundCertificate> Certificates,
    PartnerStatus Status,
    DateTimeOffset RegisteredAt,
    DateTimeOffset ChangedAt)
{
    public bool IsActive => Status == PartnerStatus.Active;

    public bool Holds(string thumbprint) => Certificates.Any(certificate => certificate.Thumbprint == thumbprint);

    public static Partner Create(IEvent<PartnerRegistered> registered) =>
        new(
            registered.StreamId,
            registered.Version,
            registered.Data.PartnerId,
            registered.Data.Kind,
            registered.Data.DisplayName,
            registered.Data.Areas,
            registered.Data.Scopes,
            registered.Data.Certificates,
            PartnerStatus.Active,
            StoredTime.Of(registered.Timestamp),
            StoredTime.Of(registered.Timestamp));

    public Partner Apply(IEvent<PartnerScopesChanged> changed) => After(changed) with { Scopes = changed.Data.Scopes };

    public Partner Apply(IEvent<PartnerAreasChanged> changed) => After(changed) with { Areas = changed.Data.Areas };

    public Partner Apply(IEvent<PartnerCertificateBound> bound) => After(bound) with { Certificates = [.. Certificates, bound.Data.Certificate] };

    public Partner Apply(IEvent<PartnerCertificateUnbound> unbound) =>
        After(unbound) with { Certificates = [.. Certificates.Where(certificate => certificate.Thumbprint != unbound.Data.Thumbprint)] };

    public Partner Apply(IEvent<PartnerSuspended> suspended) => After(suspended) with { Status = PartnerStatus.Suspended };

    public Partner Apply(IEvent<PartnerReinstated> reinstated) => After(reinstated) with { Status = PartnerStatus.Active };

    /// <summary>The record as the next change leaves it, before what the change itself sets.</summary>
    public Partner After(IEvent change) => this with { Version = change.Version, ChangedAt = StoredTime.Of(change.Timestamp) };
}
