using Grpc.Core;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ChangeFeed;
using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.Conflicts;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Registry.Reads;
using Interop.Hub.Registry.Search;
using Microsoft.AspNetCore.Authorization;
using V1 = Interop.Contracts.Registry.V1;

namespace Interop.Hub.Grpc;

/// <summary>Thin adapter for interop.registry.v1.RegistryService: each method maps the request, calls one slice, maps the result.</summary>
internal sealed class RegistryGrpcService(
    ProposalSubmission submission,
    HouseholdChanges changes,
    ConflictResolutions resolutions,
    RegisterReads reads,
    HouseholdSearch search,
    ChangeFeedReader feed,
    IngestStreams ingestStreams,
    StalledAnswers stalledAnswers,
    IHostApplicationLifetime lifetime) : V1.RegistryService.RegistryServiceBase
{
    [Authorize(Policy = PartnerAccess.ProposeHouseholds)]
    [ReadsNoPersonalData]
    public override async Task SubmitHouseholds(
        IAsyncStreamReader<V1.SubmitHouseholdsRequest> requestStream,
        IServerStreamWriter<V1.SubmitHouseholdsResponse> responseStream,
        ServerCallContext context)
    {
        var partner = context.Partner();
        using var slot = ingestStreams.Enter(partner.PartnerId);
        await submission.SubmitAsync(
            requestStream.Mapped(request => new ReceivedProposal(
                CommandMapping.ToCommand(request, partner.Actor) with { Reach = partner.Jurisdiction }, RequestFields.ContentHash(request))),
            answers => stalledAnswers.WriteAsync(responseStream, answers.Select(SubmissionMapping.ToProto).ToList(), context.CancellationToken),
            context.CancellationToken);
    }

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    [ReadsPersonalData]
    public override async Task<V1.GetHouseholdResponse> GetHousehold(V1.GetHouseholdRequest request, ServerCallContext context) =>
        await reads.HouseholdAsync(RequestFields.ParseId(request.HouseholdId, "household_id"), AsOf.Now, context.Partner().Jurisdiction, context.CancellationToken) switch
        {
            HouseholdRead.Found found => new V1.GetHouseholdResponse { Household = HouseholdMapping.ToProto(found.Household) },
            HouseholdRead.OutsideReach outside => throw Refusals.OutsideJurisdiction(outside.Reason).ToRpcException(),
            _ => throw Refusals.NoHousehold().ToRpcException(),
        };

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    [ReadsPersonalData]
    public override async Task StreamHouseholdHistory(
        V1.StreamHouseholdHistoryRequest request,
        IServerStreamWriter<V1.StreamHouseholdHistoryResponse> responseStream,
        ServerCallContext context)
    {
        var history = await reads.HistoryAsync(RequestFields.ParseId(request.HouseholdId, "household_id"), context.Partner().Jurisdiction, context.CancellationToken) switch
        {
            HistoryRead.Found found => found.Events,
            HistoryRead.OutsideReach outside => throw Refusals.OutsideJurisdiction(outside.Reason).ToRpcException(),
            _ => throw Refusals.NoHousehold().ToRpcException(),
        };
        foreach (var stored in history)
        {
            await responseStream.WriteAsync(new V1.StreamHouseholdHistoryResponse { Event = EventMapping.ToProto(stored) }, context.CancellationToken);
        }
    }

    [Authorize(Policy = PartnerAccess.ChangeHouseholds)]
    [ReadsPersonalData]
    public override async Task<V1.ChangeHouseholdResponse> ChangeHousehold(V1.ChangeHouseholdRequest request, ServerCallContext context)
    {
        var partner = context.Partner();
        var command = CommandMapping.ToCommand(request, RequestFields.ParseId(request.HouseholdId, "household_id"), partner.Actor) with { Reach = partner.Jurisdiction };
        return await changes.ApplyAsync(command, RequestFields.ContentHash(request), context.CancellationToken) switch
        {
            ChangeOutcome.Done done => new V1.ChangeHouseholdResponse
            {
                Household = HouseholdMapping.ToProto(done.Household),
                PendingChangeId = done.PendingChangeId?.ToString() ?? string.Empty,
                NewHouseholdId = done.NewHouseholdId?.ToString() ?? string.Empty,
            },
            var refused => throw ChangeRefusal(refused, command, request).ToRpcException(),
        };
    }

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    [ReadsPersonalData]
    public override async Task<V1.GetConflictCaseResponse> GetConflictCase(V1.GetConflictCaseRequest request, ServerCallContext context) =>
        await reads.ConflictCaseAsync(RequestFields.ParseId(request.ConflictCaseId, "conflict_case_id"), context.Partner().Jurisdiction, context.CancellationToken) switch
        {
            ConflictCaseRead.Found found => new V1.GetConflictCaseResponse { ConflictCase = HouseholdMapping.ToProto(found.Case) },
            ConflictCaseRead.OutsideReach outside => throw Refusals.OutsideJurisdiction(outside.Reason).ToRpcException(),
            _ => throw NoConflictCase.ToRpcException(),
        };

    [Authorize(Policy = PartnerAccess.ResolveConflicts)]
    [ReadsPersonalData]
    public override async Task<V1.ResolveConflictCaseResponse> ResolveConflictCase(V1.ResolveConflictCaseRequest request, ServerCallContext context)
    {
        var command = CommandMapping.ToCommand(request, RequestFields.ParseId(request.ConflictCaseId, "conflict_case_id"), context.Partner().Actor);
        return await resolutions.ResolveAsync(command, RequestFields.ContentHash(request), context.CancellationToken) switch
        {
            ResolutionOutcome.Done done => new V1.ResolveConflictCaseResponse { ConflictCase = HouseholdMapping.ToProto(done.Case) },
            ResolutionOutcome.Invalid invalid => throw Refusals.InvalidArgument("Resolution refused; nothing was stored.", invalid.Violations).ToRpcException(),
            ResolutionOutcome.NotAllowed notAllowed => throw Refusals.FailedPrecondition(notAllowed.Subject, notAllowed.Reason).ToRpcException(),
            ResolutionOutcome.NotFound => throw NoConflictCase.ToRpcException(),
            ResolutionOutcome.Stale => throw Refusals.Stale("A household of the case changed meanwhile: read the case again and decide on the current state.", command.CaseId).ToRpcException(),
            ResolutionOutcome.KeyTaken taken => throw Refusals.CaseKeyTaken(taken.CaseId).ToRpcException(),
            _ => throw new InvalidOperationException("Unknown resolution outcome."),
        };
    }

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    [ReadsPersonalData]
    public override async Task StreamChanges(V1.StreamChangesRequest request, IServerStreamWriter<V1.StreamChangesResponse> responseStream, ServerCallContext context)
    {
        if (request.AfterCheckpoint < 0)
        {
            throw Refusals.InvalidArgument("after_checkpoint is negative.", [new FieldIssue("after_checkpoint", "must be 0 or a checkpoint the feed returned")]).ToRpcException();
        }

        var reach = context.Partner().Jurisdiction;
        var filter = new FeedFilter(request.RegionPrefix.Trim(), CommandMapping.ToDomain(request.Program)) { Reach = reach };
        if (!filter.HasValidRegion)
        {
            throw Refusals.InvalidArgument("Feed refused.", [new FieldIssue("region_prefix", FeedFilter.RegionRule)]).ToRpcException();
        }

        if (context.View().RegionFilterRefusal(filter.RegionPrefix) is { } villageRefusal)
        {
            throw Refusals.OutsideView("region_prefix", villageRefusal).ToRpcException();
        }

        if (filter.IsBeyondReach)
        {
            throw Refusals.OutsideJurisdiction($"The feed asked for lies outside the {reach.Describe()} this partner serves.").ToRpcException();
        }

        if (await feed.IsBeyondEveryChangeAsync(request.AfterCheckpoint, context.CancellationToken))
        {
            throw Refusals.OutOfRange(
                "after_checkpoint is beyond every change stored: resume from a checkpoint this hub's feed returned, or from 0.",
                "after_checkpoint",
                "must be 0 or a checkpoint this hub's feed returned").ToRpcException();
        }

        // A feed never ends by itself: it ends when the partner goes, or when the hub stops (so that
        // stopping does not wait for every follower, and what was sent is logged before the hub exits).
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (var item in feed.ReadAsync(request.AfterCheckpoint, filter, ended.Token))
            {
                await responseStream.WriteAsync(
                    new V1.StreamChangesResponse { Checkpoint = item.Checkpoint, Event = item.Change is null ? null : EventMapping.ToProto(item.Change) },
                    ended.Token);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The partner disconnected; it resumes from its last checkpoint.
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            throw Refusals.Unavailable("The hub is stopping: resume the feed from the last checkpoint received, on this hub once it is back or on another.").ToRpcException();
        }
    }

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    [ReadsPersonalData]
    public override async Task<V1.SearchHouseholdsResponse> SearchHouseholds(V1.SearchHouseholdsRequest request, ServerCallContext context)
    {
        var query = new HouseholdQuery(
            request.Nik.Trim(),
            request.FamilyCardNumber.Trim(),
            request.RegionPrefix.Trim(),
            CommandMapping.ToDomain(request.Program),
            CommandMapping.ToDomain(request.Status),
            request.PageSize,
            request.PageToken) { Reach = context.Partner().Jurisdiction, View = context.View() };
        var page = Refusals.PageOrRefusal(await search.SearchAsync(query, context.CancellationToken));
        var response = new V1.SearchHouseholdsResponse { NextPageToken = page.NextPageToken };
        response.Households.Add(page.Households.Select(HouseholdMapping.ToProto));
        return response;
    }

    private static readonly Google.Rpc.Status NoConflictCase = Refusals.NotFound(Refusals.ConflictCaseType, "conflict_case_id", "No conflict case has that id.");

    private static Google.Rpc.Status ChangeRefusal(ChangeOutcome outcome, ChangeHouseholdCommand command, V1.ChangeHouseholdRequest request) => outcome switch
    {
        ChangeOutcome.NotFound notFound => Refusals.NoHousehold(notFound.Field, $"No household has that {notFound.Field}."),
        ChangeOutcome.Stale { OtherHouseholdId: { } other } stale => Refusals.Stale(
            $"The other household {other} is at version {stale.CurrentVersion}, not {request.MergeHousehold.OtherExpectedVersion}: read it again and decide on its current state.",
            other),
        ChangeOutcome.Stale stale => Refusals.Stale(
            stale.CurrentVersion is { } current
                ? $"The household is at version {current}, not {request.ExpectedVersion}: read it again and decide on its current state."
                : "The household changed while this change was being stored: read it again and decide on its current state.",
            command.HouseholdId),
        ChangeOutcome.KeyTaken taken => Refusals.ReferenceTaken(taken.HouseholdId, "idempotency_key"),
        ChangeOutcome.Decided { Decision: ChangeDecision.Invalid invalid } =>
            Refusals.InvalidArgument($"Change refused: {invalid.Violations.Count} invalid field(s); nothing was stored.", invalid.Violations),
        ChangeOutcome.Decided { Decision: ChangeDecision.NotAllowed notAllowed } => Refusals.FailedPrecondition(command.HouseholdId, notAllowed.Reason),
        ChangeOutcome.Decided { Decision: ChangeDecision.Forbidden { OutsideReach: true } outside } => Refusals.OutsideJurisdiction(outside.Reason),
        ChangeOutcome.Decided { Decision: ChangeDecision.Forbidden forbidden } => Refusals.PermissionDenied(forbidden.Reason),
        _ => throw new InvalidOperationException("Unknown change outcome."),
    };
}
