using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Interop.Hub.Audit.Replay;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;
using Microsoft.AspNetCore.Authorization;
using AuditV1 = Interop.Contracts.Audit.V1;

namespace Interop.Hub.Grpc;

/// <summary>Thin adapter for interop.audit.v1.ReplayService: a record as it stood, and what changed between two points.</summary>
internal sealed class ReplayGrpcService(RecordReplay replay) : AuditV1.ReplayService.ReplayServiceBase
{
    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsPersonalData]
    public override async Task<AuditV1.ReplayHouseholdResponse> ReplayHousehold(AuditV1.ReplayHouseholdRequest request, ServerCallContext context)
    {
        var subject = new ReplaySubject.Household(HouseholdIdOf(request.HouseholdId, "household_id"));
        var replayed = await ReplayAsync(subject, request.At, context, "household_id");
        var response = new AuditV1.ReplayHouseholdResponse { HouseholdId = subject.Id.ToString(), Version = replayed.Version, StateJson = WholeRecords.WithheldAccounts(context, replayed.StateJson) };
        response.Events.AddRange(replayed.Events.Select(stored => Event(stored, context)));
        return response;
    }

    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsPersonalData]
    public override async Task<AuditV1.DiffHouseholdResponse> DiffHousehold(AuditV1.DiffHouseholdRequest request, ServerCallContext context)
    {
        var subject = new ReplaySubject.Household(HouseholdIdOf(request.HouseholdId, "household_id"));
        var diffed = await DiffAsync(subject, request.From, request.To, context, "household_id");
        var response = new AuditV1.DiffHouseholdResponse { HouseholdId = subject.Id.ToString(), FromVersion = diffed.FromVersion, ToVersion = diffed.ToVersion };
        response.Changes.AddRange(diffed.Changes.Select(change => Change(change, context)));
        response.Events.AddRange(diffed.Events.Select(stored => Event(stored, context)));
        return response;
    }

    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsPersonalData]
    public override async Task<AuditV1.ReplayRecordResponse> ReplayRecord(AuditV1.ReplayRecordRequest request, ServerCallContext context)
    {
        var replayed = await ReplayAsync(SubjectOf(request.Record), request.At, context, "record.household_id");
        var response = new AuditV1.ReplayRecordResponse { Record = request.Record, Version = replayed.Version, StateJson = WholeRecords.WithheldAccounts(context, replayed.StateJson) };
        response.Events.AddRange(replayed.Events.Select(stored => Event(stored, context)));
        response.HouseholdIds.AddRange(replayed.Households.Select(id => id.ToString()));
        return response;
    }

    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsPersonalData]
    public override async Task<AuditV1.DiffRecordResponse> DiffRecord(AuditV1.DiffRecordRequest request, ServerCallContext context)
    {
        var diffed = await DiffAsync(SubjectOf(request.Record), request.From, request.To, context, "record.household_id");
        var response = new AuditV1.DiffRecordResponse { Record = request.Record, FromVersion = diffed.FromVersion, ToVersion = diffed.ToVersion };
        response.Changes.AddRange(diffed.Changes.Select(change => Change(change, context)));
        response.Events.AddRange(diffed.Events.Select(stored => Event(stored, context)));
        response.HouseholdIds.AddRange(diffed.Households.Select(id => id.ToString()));
        return response;
    }

    private async Task<ReplayOutcome.Replayed> ReplayAsync(ReplaySubject subject, AuditV1.HistoryPoint? at, ServerCallContext context, string householdField)
    {
        var point = PointOf(at, "at", HistoryPoint.Now.Instance);
        // States and events are records whole (a household's people, the officers who acted): never through a masking view.
        WholeRecords.RequireWholeHouseholds(context, $"A replayed {subject.Noun}");
        return Expect<ReplayOutcome.Replayed>(await replay.ReplayAsync(subject, point, context.CancellationToken), "Replay refused.", householdField);
    }

    private async Task<ReplayOutcome.Diffed> DiffAsync(ReplaySubject subject, AuditV1.HistoryPoint? from, AuditV1.HistoryPoint? to, ServerCallContext context, string householdField)
    {
        if (from is null)
        {
            throw Refusals.InvalidArgument("Diff refused.", [new FieldIssue("from", "name a version or a time")]).ToRpcException();
        }

        var (start, end) = (PointOf(from, "from", HistoryPoint.Now.Instance), PointOf(to, "to", HistoryPoint.Now.Instance));
        WholeRecords.RequireWholeHouseholds(context, $"A {subject.Noun}'s diff");
        return Expect<ReplayOutcome.Diffed>(await replay.DiffAsync(subject, start, end, context.CancellationToken), "Diff refused.", householdField);
    }

    private static ReplaySubject SubjectOf(AuditV1.RecordRef? record) => RecordRefs.SubjectOf(record, "Replay refused.");

    private static RpcException Refused(string field, string description) =>
        Refusals.InvalidArgument("Replay refused.", [new FieldIssue(field, description)]).ToRpcException();

    private static Guid HouseholdIdOf(string text, string field) =>
        Guid.TryParse(text.Trim(), out var id) ? id : throw Refused(field, "is not a household's record id");

    private static AuditV1.FieldChange Change(AttributedChange change, ServerCallContext context) => new()
    {
        Path = change.Difference.Path,
        Kind = (AuditV1.FieldChangeKind)change.Difference.Kind,
        BeforeJson = Withheld(change.Difference.Path, change.Difference.Before, context),
        AfterJson = Withheld(change.Difference.Path, change.Difference.After, context),
        Version = change.Event.Version,
        Time = Timestamp.FromDateTimeOffset(change.Event.Time),
        PartnerId = change.Event.PartnerId,
        OfficerId = change.Event.OfficerId ?? string.Empty,
    };

    private static HistoryPoint PointOf(AuditV1.HistoryPoint? point, string field, HistoryPoint unset) => point?.PointCase switch
    {
        null or AuditV1.HistoryPoint.PointOneofCase.None => unset,
        AuditV1.HistoryPoint.PointOneofCase.Version when point.Version >= 0 => new HistoryPoint.Version(point.Version),
        AuditV1.HistoryPoint.PointOneofCase.Version => throw Refusals.InvalidArgument("Replay refused.", [new FieldIssue($"{field}.version", "must not be negative")]).ToRpcException(),
        _ when RequestFields.TimestampIssue(point.Time, $"{field}.time") is { } issue => throw Refusals.InvalidArgument("Replay refused.", [issue]).ToRpcException(),
        _ => new HistoryPoint.Moment(point.Time.ToDateTimeOffset()),
    };

    private static T Expect<T>(ReplayOutcome outcome, string message, string householdField)
        where T : ReplayOutcome => outcome switch
    {
        T wanted => wanted,
        ReplayOutcome.NotFound { Noun: "household" } => throw Refusals.NoHousehold(householdField).ToRpcException(),
        ReplayOutcome.NotFound { Noun: "disbursement line" } => throw Refusals.NotFound("disbursement line", "record.disbursement_line", "No batch has a line with that number.").ToRpcException(),
        ReplayOutcome.NotFound notFound => throw Refusals.NotFound(notFound.Noun, $"record.{notFound.Noun}_id", $"No {notFound.Noun} has that id.").ToRpcException(),
        ReplayOutcome.OutOfRange range => throw Refusals.OutOfRange(message, range.Field, range.Description).ToRpcException(),
        _ => throw new InvalidOperationException($"Unexpected replay outcome {outcome.GetType().Name}."),
    };

    /// <summary>A changed value, or nothing when it is an account number the call's view does not show.</summary>
    private static string Withheld(string path, string? value, ServerCallContext context) =>
        value is null ? string.Empty
        : WholeRecords.IsAccountNumber(path) && !WholeRecords.ShowsAccountNumbers(context) ? string.Empty
        : WholeRecords.WithheldAccounts(context, value);

    private static AuditV1.AuditedEvent Event(AuditedEvent stored, ServerCallContext context) => new()
    {
        Version = stored.Version,
        Sequence = stored.Sequence,
        Time = Timestamp.FromDateTimeOffset(stored.Time),
        Type = stored.Type,
        PartnerId = stored.PartnerId,
        PartnerKind = stored.PartnerKind,
        OfficerId = stored.OfficerId ?? string.Empty,
        Reason = stored.Reason,
        EvidenceReference = stored.EvidenceReference ?? string.Empty,
        DataJson = WholeRecords.WithheldAccounts(context, stored.DataJson),
        CertificateThumbprint = stored.Certificate ?? string.Empty,
        CorrelationId = stored.CorrelationId ?? string.Empty,
    };
}
