using Grpc.Core;
using Interop.Hub.Audit.Replay;
using Interop.Hub.Registry.ProposeHousehold;
using AuditV1 = Interop.Contracts.Audit.V1;

namespace Interop.Hub.Grpc.Mapping;

/// <summary>The record a replay, a diff or an evidence package is of, from the wire; INVALID_ARGUMENT naming the field when it cannot be one.</summary>
internal static class RecordRefs
{
    public static ReplaySubject SubjectOf(AuditV1.RecordRef? record, string message)
    {
        RpcException Refused(string field, string description) => Refusals.InvalidArgument(message, [new FieldIssue(field, description)]).ToRpcException();

        return record?.RecordCase switch
        {
            AuditV1.RecordRef.RecordOneofCase.HouseholdId when Guid.TryParse(record.HouseholdId.Trim(), out var household) => new ReplaySubject.Household(household),
            AuditV1.RecordRef.RecordOneofCase.HouseholdId => throw Refused("record.household_id", "is not a household's record id"),
            AuditV1.RecordRef.RecordOneofCase.PartnerId when Partners.Directory.PartnerRules.IsPartnerId(record.PartnerId) => new ReplaySubject.Partner(record.PartnerId),
            AuditV1.RecordRef.RecordOneofCase.PartnerId => throw Refused("record.partner_id", "is not a partner id (2-63 lower-case letters, digits and hyphens)"),
            AuditV1.RecordRef.RecordOneofCase.BatchId when Guid.TryParse(record.BatchId.Trim(), out var batch) => new ReplaySubject.Batch(batch),
            AuditV1.RecordRef.RecordOneofCase.BatchId => throw Refused("record.batch_id", "is not a batch's id"),
            AuditV1.RecordRef.RecordOneofCase.DisbursementLine when !Guid.TryParse(record.DisbursementLine.BatchId.Trim(), out _) =>
                throw Refused("record.disbursement_line.batch_id", "is not a batch's id"),
            AuditV1.RecordRef.RecordOneofCase.DisbursementLine when record.DisbursementLine.LineNumber < 1 =>
                throw Refused("record.disbursement_line.line_number", "must be 1 or more"),
            AuditV1.RecordRef.RecordOneofCase.DisbursementLine => new ReplaySubject.Line(Guid.Parse(record.DisbursementLine.BatchId.Trim()), record.DisbursementLine.LineNumber),
            _ => throw Refused("record", "name a household, a partner, a batch or a disbursement line"),
        };
    }
}
