using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Interop.Hub.Partners;
using Interop.Hub.Partners.Directory;
using JasperFx.Events;
using P1 = Interop.Contracts.Partners.V1;

namespace Interop.Hub.Grpc.Mapping;

/// <summary>interop.partners.v1 to directory commands and back, and the directory's refusals.</summary>
internal static class PartnerMapping
{
    public const string PartnerType = "interop.partners.v1.Partner";

    public static RegisterPartner ToCommand(P1.RegisterPartnerRequest request, CallingPartner caller, string? thumbprint) =>
        new(request.PartnerId, WireEnum<PartnerKind>.From(request.Kind), request.DisplayName, [.. request.Areas], [.. request.Scopes], [.. request.CertificatesPem], request.Reason, caller.Actor, thumbprint);

    public static P1.Partner ToProto(Partner partner)
    {
        var proto = new P1.Partner
        {
            PartnerId = partner.PartnerId,
            Kind = WireEnum<P1.PartnerKind>.From(partner.Kind),
            DisplayName = partner.DisplayName,
            Areas = { partner.Areas },
            Scopes = { partner.Scopes },
            Status = WireEnum<P1.PartnerStatus>.From(partner.Status),
            Version = partner.Version,
            RegisteredAt = Timestamp.FromDateTimeOffset(partner.RegisteredAt),
            ChangedAt = Timestamp.FromDateTimeOffset(partner.ChangedAt),
        };
        proto.Certificates.Add(partner.Certificates.Select(certificate => new P1.PartnerCertificate
        {
            Sha256Thumbprint = certificate.Thumbprint,
            Subject = certificate.Subject,
            SerialNumber = certificate.SerialNumber,
            NotAfter = Timestamp.FromDateTimeOffset(certificate.NotAfter),
        }));
        return proto;
    }

    public static P1.PartnerChange ToProto(IEvent change, Partner after) =>
        new()
        {
            Version = change.Version,
            Kind = change.Data switch
            {
                PartnerRegistered => "registered",
                PartnerScopesChanged => "scopes_changed",
                PartnerAreasChanged => "areas_changed",
                PartnerCertificateBound => "certificate_bound",
                PartnerCertificateUnbound => "certificate_unbound",
                PartnerSuspended => "suspended",
                PartnerReinstated => "reinstated",
                _ => "unknown",
            },
            ActorPartnerId = (change.Data as IPartnerEvent)?.Actor.PartnerId ?? string.Empty,
            Reason = (change.Data as IPartnerEvent)?.Reason ?? string.Empty,
            RecordedAt = Timestamp.FromDateTimeOffset(change.Timestamp),
            Partner = ToProto(after),
        };

    /// <summary>The stored record, or the refusal as a gRPC status.</summary>
    public static Partner StoredOrRefusal(PartnerOutcome outcome, string partnerId) => outcome switch
    {
        PartnerOutcome.Done done => done.Partner,
        PartnerOutcome.NotFound notFound => throw NoPartner(notFound.PartnerId).ToRpcException(),
        PartnerOutcome.Stale stale => throw Refusals.Stale(
            $"Partner {stale.PartnerId} is at version {stale.CurrentVersion}, not the expected_version sent: read it again and decide on the current record.", stale.PartnerId).ToRpcException(),
        PartnerOutcome.Decided { Decision: PartnerDecision.Invalid invalid } => throw Refusals.InvalidArgument("The partner directory refused the request; nothing was stored.", invalid.Violations).ToRpcException(),
        PartnerOutcome.Decided { Decision: PartnerDecision.NotAllowed refused } => throw Refusals.FailedPrecondition("PARTNER_STATE", FreeTextEcho(partnerId), refused.Reason).ToRpcException(),
        PartnerOutcome.Decided { Decision: PartnerDecision.Taken taken } => throw Refusals.AlreadyExists(PartnerType, taken.Field, taken.Reason).ToRpcException(),
        _ => throw new InvalidOperationException("Unknown directory outcome."),
    };

    public static Google.Rpc.Status NoPartner(string partnerId) =>
        // The id is not repeated: the refusal is kept in the access log, and a caller may have typed anything (a NIK is a well-formed id).
        Refusals.NotFound(PartnerType, "partner_id", "No partner with that id is registered.");

    private static string FreeTextEcho(string value) => Interop.Hub.Registry.FreeText.Echo(value, 64);
}
