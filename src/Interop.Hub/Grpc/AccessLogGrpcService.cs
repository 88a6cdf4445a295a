using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Interop.Hub.Audit.AccessLog;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Registry.ProposeHousehold;
using Microsoft.AspNetCore.Authorization;
using AuditV1 = Interop.Contracts.Audit.V1;

namespace Interop.Hub.Grpc;

/// <summary>Thin adapter for interop.audit.v1.AccessLogService: an auditor's query to the access log.</summary>
internal sealed class AccessLogGrpcService(AccessLog log) : AuditV1.AccessLogService.AccessLogServiceBase
{
    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsNoPersonalData]
    public override async Task<AuditV1.ListAccessEntriesResponse> ListAccessEntries(AuditV1.ListAccessEntriesRequest request, ServerCallContext context)
    {
        var issues = new List<FieldIssue>();
        foreach (var (value, field) in new[] { (request.StartTime, "start_time"), (request.EndTime, "end_time") })
        {
            if (value is not null && RequestFields.TimestampIssue(value, field) is { } issue)
            {
                issues.Add(issue);
            }
        }

        var (query, queryIssues) = AccessLogQueries.Check(
            request.PartnerId.Trim(),
            request.HouseholdId.Trim(),
            issues.Count == 0 ? request.StartTime?.ToDateTimeOffset() : null,
            issues.Count == 0 ? request.EndTime?.ToDateTimeOffset() : null,
            request.PageSize,
            request.PageToken);
        issues.AddRange(queryIssues);
        if (issues.Count > 0 || query is null)
        {
            throw Refusals.InvalidArgument("Access log query refused.", issues).ToRpcException();
        }

        var page = await log.QueryAsync(query, context.CancellationToken);
        var response = new AuditV1.ListAccessEntriesResponse { NextPageToken = AccessLogQueries.NextPageToken(query, page) };
        response.Entries.Add(page.Select(ToProto));
        return response;
    }

    private static AuditV1.AccessEntry ToProto(StoredAccessEntry stored)
    {
        var entry = stored.Entry;
        return new AuditV1.AccessEntry
        {
            Sequence = stored.Id,
            Kind = WireEnum<AuditV1.AccessEntryKind>.From(entry.Kind),
            Time = Timestamp.FromDateTimeOffset(entry.At),
            Method = entry.Method,
            PartnerId = entry.PartnerId ?? string.Empty,
            CertificateThumbprint = entry.CertificateThumbprint ?? string.Empty,
            OfficerId = entry.OfficerId ?? string.Empty,
            Purpose = entry.Purpose ?? string.Empty,
            HouseholdIds = { entry.Households.Select(id => id.ToString()) },
            Fields = { entry.Fields },
            Outcome = entry.Outcome,
            Detail = entry.Detail ?? string.Empty,
            Count = entry.Count,
        };
    }
}
