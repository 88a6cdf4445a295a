using Google.Protobuf;
using Grpc.Core;
using Interop.Hub.Audit.Log;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Partners;
using Microsoft.AspNetCore.Authorization;
using AuditV1 = Interop.Contracts.Audit.V1;

namespace Interop.Hub.Grpc;

/// <summary>Thin adapter for interop.audit.v1.AuditLogService: an auditor's reads of the audit log (docs/audit.md).</summary>
internal sealed class AuditLogGrpcService(LogReads reads) : AuditV1.AuditLogService.AuditLogServiceBase
{
    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsNoPersonalData]
    public override async Task<AuditV1.GetLogInfoResponse> GetLogInfo(AuditV1.GetLogInfoRequest request, ServerCallContext context)
    {
        var info = await reads.InfoAsync(context.CancellationToken);
        return new AuditV1.GetLogInfoResponse { Origin = info.Origin, Size = info.Size, Checkpoint = info.Checkpoint ?? string.Empty, VerifierKey = info.VerifierKey };
    }

    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsNoPersonalData]
    public override async Task ListCheckpoints(AuditV1.ListCheckpointsRequest request, IServerStreamWriter<AuditV1.ListCheckpointsResponse> responseStream, ServerCallContext context)
    {
        if (request.MinSize < 0)
        {
            throw Refusals.InvalidArgument("Checkpoint listing refused.", [new FieldIssue("min_size", "must not be negative")]).ToRpcException();
        }

        await foreach (var page in reads.CheckpointsAsync(request.MinSize, context.CancellationToken))
        {
            await responseStream.WriteAsync(new AuditV1.ListCheckpointsResponse { Checkpoints = { page } }, context.CancellationToken);
        }
    }

    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsNoPersonalData]
    public override async Task RecomputeLeaves(AuditV1.RecomputeLeavesRequest request, IServerStreamWriter<AuditV1.RecomputeLeavesResponse> responseStream, ServerCallContext context)
    {
        var issues = new List<FieldIssue>();
        if (request.StartIndex < 0)
        {
            issues.Add(new FieldIssue("start_index", "must not be negative"));
        }

        if (request.EndIndex < 0 || (request.EndIndex > 0 && request.EndIndex < request.StartIndex))
        {
            issues.Add(new FieldIssue("end_index", "must be 0 (the log's size) or at least start_index"));
        }

        if (issues.Count > 0)
        {
            throw Refusals.InvalidArgument("Leaf recomputation refused.", issues).ToRpcException();
        }

        await foreach (var leaves in reads.RecomputeAsync(request.StartIndex, request.EndIndex, context.CancellationToken))
        {
            var message = new AuditV1.RecomputeLeavesResponse
            {
                StartIndex = leaves.StartIndex,
                StoredHashes = UnsafeByteOperations.UnsafeWrap(leaves.Stored),
                RecomputedHashes = UnsafeByteOperations.UnsafeWrap(leaves.Recomputed),
            };
            message.MissingRows.AddRange(leaves.Missing.Select(Row));
            message.DifferingRows.AddRange(leaves.Differing.Select(Row));
            await responseStream.WriteAsync(message, context.CancellationToken);
        }
    }

    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsNoPersonalData]
    public override async Task<AuditV1.ListUnloggedRowsResponse> ListUnloggedRows(AuditV1.ListUnloggedRowsRequest request, ServerCallContext context)
    {
        var (rows, total) = await reads.UnloggedAsync(context.CancellationToken);
        var response = new AuditV1.ListUnloggedRowsResponse { Total = total };
        response.Rows.AddRange(rows.Select(row => new AuditV1.LeafRow { Source = row.Source, Sequence = row.Sequence }));
        return response;
    }

    private static AuditV1.LeafRow Row((long Index, string Source, long Sequence) row) => new() { Index = row.Index, Source = row.Source, Sequence = row.Sequence };
}
