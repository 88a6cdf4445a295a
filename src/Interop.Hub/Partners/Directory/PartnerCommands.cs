using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Partners.Directory;

/// <summary>A change to the partner directory, asked by <see cref="Caller"/> (calling with the certificate <see cref="CallerThumbprint"/>).</summary>
internal abstract record PartnerCommand(string PartnerId, string Reason, Actor Caller, string? CallerThumbprint);

/// <summary>Registers a partner with its first certificates (PEM as sent).</summary>
internal sealed record RegisterPartner(
    string PartnerId,
    PartnerKind Kind,
    string DisplayName,
    IReadOnlyList<string> Areas,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> CertificatesPem,
    string Reason,
    Actor Caller,
    string? CallerThumbprint) : PartnerCommand(PartnerId, Reason, Caller, CallerThumbprint);

/// <summary>A change to a registered partner, based on the version of its record the caller read.</summary>
internal abstract record PartnerRecordChange(string PartnerId, long ExpectedVersion, string Reason, Actor Caller, string? CallerThumbprint)
    : PartnerCommand(PartnerId, Reason, Caller, CallerThumbprint)
{
    internal sealed record ChangeScopes(string PartnerId, long ExpectedVersion, IReadOnlyList<string> Scopes, string Reason, Actor Caller, string? CallerThumbprint)
        : PartnerRecordChange(PartnerId, ExpectedVersion, Reason, Caller, CallerThumbprint);

    internal sealed record ChangeAreas(string PartnerId, long ExpectedVersion, IReadOnlyList<string> Areas, string Reason, Actor Caller, string? CallerThumbprint)
        : PartnerRecordChange(PartnerId, ExpectedVersion, Reason, Caller, CallerThumbprint);

    internal sealed record BindCertificate(string PartnerId, long ExpectedVersion, string CertificatePem, string Reason, Actor Caller, string? CallerThumbprint)
        : PartnerRecordChange(PartnerId, ExpectedVersion, Reason, Caller, CallerThumbprint);

    internal sealed record UnbindCertificate(string PartnerId, long ExpectedVersion, string Thumbprint, string Reason, Actor Caller, string? CallerThumbprint)
        : PartnerRecordChange(PartnerId, ExpectedVersion, Reason, Caller, CallerThumbprint);

    internal sealed record Suspend(string PartnerId, long ExpectedVersion, string Reason, Actor Caller, string? CallerThumbprint)
        : PartnerRecordChange(PartnerId, ExpectedVersion, Reason, Caller, CallerThumbprint);

    internal sealed record Reinstate(string PartnerId, long ExpectedVersion, string Reason, Actor Caller, string? CallerThumbprint)
        : PartnerRecordChange(PartnerId, ExpectedVersion, Reason, Caller, CallerThumbprint);
}

/// <summary>
/// What the hub knows of a certificate sent to bind: its names, the partner identity it carries,
/// and why the hub would refuse it at the handshake (null when it would take it). Null facts: not a
/// PEM certificate at all.
/// </summary>
internal sealed record CertificateFacts(BoundCertificate Certificate, PartnerIdentity? Names, string? Problem);

/// <summary>What a decision on the directory came to.</summary>
internal abstract record PartnerDecision
{
    private PartnerDecision()
    {
    }

    internal sealed record Accepted(IReadOnlyList<IPartnerEvent> Events) : PartnerDecision;

    /// <summary>INVALID_ARGUMENT, field by field.</summary>
    internal sealed record Invalid(IReadOnlyList<FieldIssue> Violations) : PartnerDecision;

    /// <summary>FAILED_PRECONDITION: the record's state does not allow it.</summary>
    internal sealed record NotAllowed(string Reason) : PartnerDecision;

    /// <summary>ALREADY_EXISTS: a partner of some kind has the id, or another partner holds the certificate.</summary>
    internal sealed record Taken(string Field, string Reason) : PartnerDecision;
}
