using Grpc.Core;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.Reads;
using Interop.Hub.Registry.Search;
using Microsoft.AspNetCore.Authorization;
using V2 = Interop.Contracts.Registry.V2;

namespace Interop.Hub.Grpc;

/// <summary>
/// Thin adapter for interop.registry.v2.RegistryService: the same households, read from the same
/// store with the same rules as v1, shaped by v2 and cut to the caller's read mask.
/// </summary>
internal sealed class RegistryV2GrpcService(RegisterReads reads, HouseholdSearch search) : V2.RegistryService.RegistryServiceBase
{
    /// <summary>Every household comes back with its id and version, whatever the mask: they are how it is named and changed.</summary>
    private static readonly string[] AlwaysKept = ["household_id", "version"];

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    [ReadsPersonalData]
    public override async Task<V2.GetHouseholdResponse> GetHousehold(V2.GetHouseholdRequest request, ServerCallContext context)
    {
        var issues = ReadMask.Check(request.ReadMask, V2.Household.Descriptor, "read_mask").ToList();
        if (RequestFields.IdIssue(request.HouseholdId, "household_id", out var id) is { } idIssue)
        {
            issues.Insert(0, idIssue);
        }

        if (request.AsOfCase == V2.GetHouseholdRequest.AsOfOneofCase.AsOfVersion && request.AsOfVersion < 1)
        {
            issues.Add(new("as_of_version", "must be 1 or more (the household's first event)"));
        }

        if (request.AsOfCase == V2.GetHouseholdRequest.AsOfOneofCase.AsOfTime && RequestFields.TimestampIssue(request.AsOfTime, "as_of_time") is { } timeIssue)
        {
            issues.Add(timeIssue);
        }

        if (issues.Count > 0)
        {
            throw Refusals.InvalidArgument("Household read refused.", issues).ToRpcException();
        }

        NarrowView(request.ReadMask, context);

        var asOf = request.AsOfCase switch
        {
            V2.GetHouseholdRequest.AsOfOneofCase.AsOfVersion => new AsOf(Version: request.AsOfVersion),
            V2.GetHouseholdRequest.AsOfOneofCase.AsOfTime => new AsOf(Moment: request.AsOfTime.ToDateTimeOffset()),
            _ => AsOf.Now,
        };
        return await reads.HouseholdAsync(id, asOf, context.Partner().Jurisdiction, context.CancellationToken) switch
        {
            HouseholdRead.OutsideReach outside => throw Refusals.OutsideJurisdiction(outside.Reason).ToRpcException(),
            HouseholdRead.Found found => new V2.GetHouseholdResponse { Household = Masked(found.Household, request.ReadMask) },
            HouseholdRead.BeyondLatest beyond => throw Refusals.OutOfRange($"The household has {beyond.LatestVersion} versions.", "as_of_version", $"must be at most {beyond.LatestVersion}").ToRpcException(),
            HouseholdRead.NotYet => throw Refusals.NotFound(Refusals.HouseholdType, "household_id", "The household had not been proposed yet at that moment.").ToRpcException(),
            _ => throw Refusals.NoHousehold().ToRpcException(),
        };
    }

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    [ReadsPersonalData]
    public override async Task<V2.SearchHouseholdsResponse> SearchHouseholds(V2.SearchHouseholdsRequest request, ServerCallContext context)
    {
        var maskIssues = ReadMask.Check(request.ReadMask, V2.Household.Descriptor, "read_mask");
        if (maskIssues.Count > 0)
        {
            throw Refusals.InvalidArgument("Search refused.", maskIssues).ToRpcException();
        }

        NarrowView(request.ReadMask, context);

        var query = new HouseholdQuery(
            request.Nik.Trim(),
            request.FamilyCardNumber.Trim(),
            request.RegionPrefix.Trim(),
            RegistryV2Mapping.ToDomain(request.Program),
            RegistryV2Mapping.ToDomain(request.Status),
            request.PageSize,
            request.PageToken) { Reach = context.Partner().Jurisdiction, View = context.View() };
        var page = Refusals.PageOrRefusal(await search.SearchAsync(query, context.CancellationToken));
        var response = new V2.SearchHouseholdsResponse { NextPageToken = page.NextPageToken };
        response.Households.Add(page.Households.Select(household => Masked(household, request.ReadMask)));
        return response;
    }

    /// <summary>A read mask narrows the call's view, never widens it: a path to a field the view withholds is refused.</summary>
    private static void NarrowView(Google.Protobuf.WellKnownTypes.FieldMask? mask, ServerCallContext context)
    {
        if (mask is null || mask.Paths.Count == 0)
        {
            return;
        }

        var read = context.Read();
        if (ProtoView.Widening(mask.Paths, V2.Household.Descriptor, read.View) is { } path)
        {
            throw Refusals.OutsideView(
                "read_mask",
                $"read_mask path {path} asks for what the view of this call ({read.View.Name}) withholds: a read mask can narrow a view, never widen it.").ToRpcException();
        }

        read.NarrowedBy(mask.Paths);
    }

    private static V2.Household Masked(Household household, Google.Protobuf.WellKnownTypes.FieldMask? mask)
    {
        var proto = RegistryV2Mapping.ToProto(household);
        ReadMask.Apply(mask, proto, AlwaysKept);
        return proto;
    }
}
