using Grpc.Core;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.Search;
using Marten;
using Microsoft.AspNetCore.Authorization;
using V2 = Interop.Contracts.Registry.V2;

namespace Interop.Hub.Grpc;

/// <summary>
/// Thin adapter for interop.registry.v2.RegistryService: the same households, read from the same
/// store with the same rules as v1, shaped by v2 and cut to the caller's read mask.
/// </summary>
internal sealed class RegistryV2GrpcService(IQuerySession querySession) : V2.RegistryService.RegistryServiceBase
{
    /// <summary>Every household comes back with its id and version, whatever the mask: they are how it is named and changed.</summary>
    private static readonly string[] AlwaysKept = ["household_id", "version"];

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    public override async Task<V2.GetHouseholdResponse> GetHousehold(V2.GetHouseholdRequest request, ServerCallContext context)
    {
        var issues = ReadMask.Check(request.ReadMask, V2.Household.Descriptor, "read_mask").ToList();
        if (RegistryReads.IdIssue(request.HouseholdId, "household_id", out var id) is { } idIssue)
        {
            issues.Insert(0, idIssue);
        }

        if (request.AsOfCase == V2.GetHouseholdRequest.AsOfOneofCase.AsOfVersion && request.AsOfVersion < 1)
        {
            issues.Add(new("as_of_version", "must be 1 or more (the household's first event)"));
        }

        if (request.AsOfCase == V2.GetHouseholdRequest.AsOfOneofCase.AsOfTime && RegistryReads.TimestampIssue(request.AsOfTime, "as_of_time") is { } timeIssue)
        {
            issues.Add(timeIssue);
        }

        if (issues.Count > 0)
        {
            throw RegistryMapping.InvalidArgument("Household read refused.", issues).ToRpcException();
        }

        var household = await AsRequestedAsync(id, request, context.CancellationToken);
        return new V2.GetHouseholdResponse { Household = Masked(household, request.ReadMask) };
    }

    /// <summary>The household now (its stored snapshot), or replayed from its events as of a version or a moment.</summary>
    private async Task<Household> AsRequestedAsync(Guid id, V2.GetHouseholdRequest request, CancellationToken cancellationToken)
    {
        if (request.AsOfCase == V2.GetHouseholdRequest.AsOfOneofCase.None)
        {
            return await querySession.LoadAsync<Household>(id, cancellationToken)
                ?? throw new RpcException(new Status(StatusCode.NotFound, "No household has that id."));
        }

        // Another stream's id (a conflict case's) names no household: not found, like the current read.
        if (await querySession.Events.FetchStreamStateAsync(id, cancellationToken) is not { } stream || stream.AggregateType != typeof(Household))
        {
            throw new RpcException(new Status(StatusCode.NotFound, "No household has that id."));
        }

        if (request.AsOfCase == V2.GetHouseholdRequest.AsOfOneofCase.AsOfVersion)
        {
            return request.AsOfVersion <= stream.Version
                ? (await querySession.Events.AggregateStreamAsync<Household>(id, request.AsOfVersion, token: cancellationToken))!
                : throw new RpcException(new Status(StatusCode.OutOfRange, $"The household has {stream.Version} versions."));
        }

        return await querySession.Events.AggregateStreamAsync<Household>(id, timestamp: request.AsOfTime.ToDateTimeOffset(), token: cancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "The household had not been proposed yet at that moment."));
    }

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    public override async Task<V2.SearchHouseholdsResponse> SearchHouseholds(V2.SearchHouseholdsRequest request, ServerCallContext context)
    {
        var maskIssues = ReadMask.Check(request.ReadMask, V2.Household.Descriptor, "read_mask");
        if (maskIssues.Count > 0)
        {
            throw RegistryMapping.InvalidArgument("Search refused.", maskIssues).ToRpcException();
        }

        var query = new HouseholdQuery(
            request.Nik.Trim(),
            request.FamilyCardNumber.Trim(),
            request.RegionPrefix.Trim(),
            RegistryV2Mapping.ToDomain(request.Program),
            RegistryV2Mapping.ToDomain(request.Status),
            request.PageSize,
            request.PageToken);
        var page = await RegistryReads.SearchAsync(querySession, query, context.CancellationToken);
        var response = new V2.SearchHouseholdsResponse { NextPageToken = page.NextPageToken };
        response.Households.Add(page.Households.Select(household => Masked(household, request.ReadMask)));
        return response;
    }

    private static V2.Household Masked(Household household, Google.Protobuf.WellKnownTypes.FieldMask? mask)
    {
        var proto = RegistryV2Mapping.ToProto(household);
        ReadMask.Apply(mask, proto, AlwaysKept);
        return proto;
    }
}
