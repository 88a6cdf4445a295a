using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Interop.Hub.Audit.Replay;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;
using Microsoft.AspNetCore.Authorization;
using AuditV1 = Interop.Contracts.Audit.V1;

namespace Interop.Hub.Grpc;

/// <summary>Thin adapter for interop.audit.v1.ReplayService: a household as it stood, and what changed between two points.</summary>
internal sealed class ReplayGrpcService(HouseholdReplay replay) : AuditV1.ReplayService.ReplayServiceBase
{
    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsPersonalData]
    public override async Task<AuditV1.ReplayHouseholdResponse> ReplayHousehold(AuditV1.ReplayHouseholdRequest request, ServerCallContext context)
    {
        var (householdId, at) = (HouseholdIdOf(request.HouseholdId), PointOf(request.At, "at", HistoryPoint.Now.Instance));
        WholeRecords.RequireWholeHouseholds(context, "A replayed household");
        var replayed = Expect<ReplayOutcome.Replayed>(await replay.ReplayAsync(householdId, at, context.CancellationToken), "Replay refused.");
        var response = new AuditV1.ReplayHouseholdResponse { HouseholdId = householdId.ToString(), Version = replayed.Version, StateJson = replayed.StateJson };
        response.Events.AddRange(replayed.Events.Select(Event));
        return response;
    }

    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsPersonalData]
    public override async Task<AuditV1.DiffHouseholdResponse> DiffHousehold(AuditV1.DiffHouseholdRequest request, ServerCallContext context)
    {
        var householdId = HouseholdIdOf(request.HouseholdId);
        if (request.From is null)
        {
            throw Refusals.InvalidArgument("Diff refused.", [new FieldIssue("from", "name a version or a time")]).ToRpcException();
        }

        var (from, to) = (PointOf(request.From, "from", HistoryPoint.Now.Instance), PointOf(request.To, "to", HistoryPoint.Now.Instance));
        WholeRecords.RequireWholeHouseholds(context, "A household's diff");
        var diffed = Expect<ReplayOutcome.Diffed>(await replay.DiffAsync(householdId, from, to, context.CancellationToken), "Diff refused.");
        var response = new AuditV1.DiffHouseholdResponse { HouseholdId = householdId.ToString(), FromVersion = diffed.FromVersion, ToVersion = diffed.ToVersion };
        response.Changes.AddRange(diffed.Changes.Select(change => new AuditV1.FieldChange
        {
            Path = change.Difference.Path,
            Kind = (AuditV1.FieldChangeKind)change.Difference.Kind,
            BeforeJson = change.Difference.Before ?? string.Empty,
            AfterJson = change.Difference.After ?? string.Empty,
            Version = change.Event.Version,
            Time = Timestamp.FromDateTimeOffset(change.Event.Time),
            PartnerId = change.Event.PartnerId,
            OfficerId = change.Event.OfficerId ?? string.Empty,
        }));
        response.Events.AddRange(diffed.Events.Select(Event));
        return response;
    }

    private static Guid HouseholdIdOf(string text) =>
        Guid.TryParse(text.Trim(), out var id)
            ? id
            : throw Refusals.InvalidArgument("Replay refused.", [new FieldIssue("household_id", "is not a household's record id")]).ToRpcException();

    private static HistoryPoint PointOf(AuditV1.HistoryPoint? point, string field, HistoryPoint unset) => point?.PointCase switch
    {
        null or AuditV1.HistoryPoint.PointOneofCase.None => unset,
        AuditV1.HistoryPoint.PointOneofCase.Version when point.Version >= 0 => new HistoryPoint.Version(point.Version),
        AuditV1.HistoryPoint.PointOneofCase.Version => throw Refusals.InvalidArgument("Replay refused.", [new FieldIssue($"{field}.version", "must not be negative")]).ToRpcException(),
        _ when RequestFields.TimestampIssue(point.Time, $"{field}.time") is { } issue => throw Refusals.InvalidArgument("Replay refused.", [issue]).ToRpcException(),
        _ => new HistoryPoint.Moment(point.Time.ToDateTimeOffset()),
    };

    private static T Expect<T>(ReplayOutcome outcome, string message)
        where T : ReplayOutcome => outcome switch
    {
        T wanted => wanted,
        ReplayOutcome.NoHousehold => throw Refusals.NoHousehold().ToRpcException(),
        ReplayOutcome.OutOfRange range => throw Refusals.OutOfRange(message, range.Field, range.Description).ToRpcException(),
        _ => throw new InvalidOperationException($"Unexpected replay outcome {outcome.GetType().Name}."),
    };

    private static AuditV1.AuditedEvent Event(AuditedEvent stored) => new()
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
        DataJson = stored.DataJson,
        CertificateThumbprint = stored.Certificate ?? string.Empty,
        CorrelationId = stored.CorrelationId ?? string.Empty,
    };
}
