using Grpc.Core;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Registry.Reconciliation;
using Microsoft.AspNetCore.Authorization;
using V1 = Interop.Contracts.Registry.V1;

namespace Interop.Hub.Grpc;

/// <summary>Thin adapter for interop.registry.v1.ReconciliationService.</summary>
internal sealed class ReconciliationGrpcService(IdentityReconciliation reconciliation, IngestStreams ingestStreams, StalledAnswers stalledAnswers)
    : V1.ReconciliationService.ReconciliationServiceBase
{
    [Authorize(Policy = PartnerAccess.ReconcileIdentities)]
    [ReadsPersonalData]
    public override async Task ReconcileIdentities(
        IAsyncStreamReader<V1.ReconcileIdentitiesRequest> requestStream,
        IServerStreamWriter<V1.ReconcileIdentitiesResponse> responseStream,
        ServerCallContext context)
    {
        var actor = context.Partner().Actor;
        using var slot = ingestStreams.Enter(actor.PartnerId);
        await reconciliation.ReconcileStreamAsync(
            requestStream.Mapped(ToDomain),
            actor,
            answers => stalledAnswers.WriteAsync(responseStream, answers.Select(ToProto).ToList(), context.CancellationToken),
            context.CancellationToken);
    }

    private static CivilRecord ToDomain(V1.ReconcileIdentitiesRequest request) => request.RecordCase switch
    {
        V1.ReconcileIdentitiesRequest.RecordOneofCase.Person => new CivilRecord.Person(
            request.RecordReference,
            request.Person.Nik,
            request.Person.FullName,
            ToDomain(request.Person.BirthDate),
            request.Person.VillageCode,
            ToDomain(request.Person.DeathDate)),
        V1.ReconcileIdentitiesRequest.RecordOneofCase.DeathNotice => new CivilRecord.DeathNotice(
            request.RecordReference,
            request.DeathNotice.Nik,
            ToDomain(request.DeathNotice.DeathDate),
            request.DeathNotice.CertificateNumber),
        _ => new CivilRecord.Missing(request.RecordReference),
    };

    private static DateParts? ToDomain(Google.Type.Date? date) => date is null ? null : new DateParts(date.Year, date.Month, date.Day);

    private static V1.ReconcileIdentitiesResponse ToProto(ReconciliationAnswer answer)
    {
        var response = new V1.ReconcileIdentitiesResponse { Position = answer.Position, RecordReference = FreeText.Echo(answer.Record.Reference, ReconciliationRules.MaxReferenceLength) };
        var isNotice = answer.Record is CivilRecord.DeathNotice;
        switch (answer.Outcome)
        {
            case ReconciliationOutcome.Invalid invalid:
                response.Refused = Refusals.InvalidArgument($"Record refused: {invalid.Violations.Count} invalid field(s); nothing was stored.", invalid.Violations);
                response.DeathNoticeOutcome = isNotice ? V1.DeathNoticeOutcome.Refused : V1.DeathNoticeOutcome.Unspecified;
                break;
            case ReconciliationOutcome.Unknown unknown:
                response.Discrepancies.Add(new V1.IdentityDiscrepancy
                {
                    Kind = V1.DiscrepancyKind.NikUnknown,
                    Description = "no household in the register has this NIK active",
                });
                response.DeathNoticeOutcome = unknown.WasDeathNotice ? V1.DeathNoticeOutcome.NikUnknown : V1.DeathNoticeOutcome.Unspecified;
                break;
            case ReconciliationOutcome.Compared compared:
                response.HouseholdId = compared.HouseholdId.ToString();
                response.Discrepancies.Add(compared.Discrepancies.Select(d => new V1.IdentityDiscrepancy { Kind = WireEnum<V1.DiscrepancyKind>.From(d.Kind), Description = d.Description }));
                break;
            case ReconciliationOutcome.DeathRecorded recorded:
                (response.HouseholdId, response.HouseholdVersion, response.DeathNoticeOutcome) = (recorded.HouseholdId.ToString(), recorded.Version, V1.DeathNoticeOutcome.Applied);
                break;
            case ReconciliationOutcome.AlreadyRecorded already:
                (response.HouseholdId, response.HouseholdVersion, response.DeathNoticeOutcome) = (already.HouseholdId.ToString(), already.Version, V1.DeathNoticeOutcome.AlreadyRecorded);
                break;
            case ReconciliationOutcome.NotAllowed notAllowed:
                response.HouseholdId = notAllowed.HouseholdId.ToString();
                response.DeathNoticeOutcome = V1.DeathNoticeOutcome.Refused;
                response.Refused = Refusals.FailedPrecondition(notAllowed.HouseholdId, notAllowed.Reason);
                break;
        }

        return response;
    }
}
