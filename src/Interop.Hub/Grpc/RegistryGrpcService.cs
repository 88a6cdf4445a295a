using System.Security.Cryptography;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Interop.Hub.Partners;
using Interop.ReferenceData;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ChangeFeed;
using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.Conflicts;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Registry.Search;
using Interop.Hub.Storage;
using Marten;
using Microsoft.AspNetCore.Authorization;
using V1 = Interop.Contracts.Registry.V1;

namespace Interop.Hub.Grpc;

/// <summary>Thin adapter for interop.registry.v1.RegistryService: wire to command, command to wire.</summary>
internal sealed class RegistryGrpcService(
    HouseholdProposals proposals,
    HouseholdChanges changes,
    ConflictResolutions resolutions,
    ChangeFeedReader feed,
    IQuerySession querySession,
    RegionTable regions,
    TimeProvider clock,
    IngestStreams ingestStreams,
    StalledAnswers stalledAnswers) : V1.RegistryService.RegistryServiceBase
{
    /// <summary>Proposals committed per transaction: large enough to amortise a round trip, small enough to answer promptly.</summary>
    internal const int BatchSize = 500;

    /// <summary>Batches of one stream committed at the same time.</summary>
    internal const int CommitsInFlight = 2;

    [Authorize(Policy = PartnerAccess.ProposeHouseholds)]
    public override async Task SubmitHouseholds(
        IAsyncStreamReader<V1.SubmitHouseholdsRequest> requestStream,
        IServerStreamWriter<V1.SubmitHouseholdsResponse> responseStream,
        ServerCallContext context)
    {
        var actor = context.Partner().Actor;
        using var slot = ingestStreams.Enter(actor.PartnerId);
        // Bounded by count and by bytes: when storage (or the sender's reading of its answers) is
        // slower than the sender, reading stops and HTTP/2 flow control pushes back.
        var decided = Channel.CreateBounded<DecidedProposal>(new BoundedChannelOptions(BatchSize * 2) { SingleReader = true, SingleWriter = true });
        var budget = new StreamBudget(StreamBudget.PerStreamBytes);
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var reading = ReadAndDecideAsync(requestStream, decided.Writer, budget, actor, stopReading.Token);
        // Up to CommitsInFlight batches are committed at once (PostgreSQL then works on more than
        // one core); outcomes are still answered strictly in the order the households were sent.
        // Concurrent batches that share a reference or a NIK collide on a unique key, and the
        // loser retries and then sees the winner's rows (HouseholdProposals).
        var inFlight = new Queue<(List<DecidedProposal> Batch, Task<IReadOnlyList<ProposalOutcome>> Storing)>();
        try
        {
            // The reader always completes the channel, with the failure that stopped it if any; so
            // everything read before a failure (an oversized message, a dropped connection) is still
            // stored and answered, and then the failure ends the call with its own status.
            while (true)
            {
                if (!decided.Reader.TryPeek(out _))
                {
                    // Nothing more to read right now: answer everything in flight before waiting,
                    // since the sender may be waiting for these outcomes before it sends more.
                    while (inFlight.TryDequeue(out var pending))
                    {
                        var outcomes = await pending.Storing;
                        await stalledAnswers.WithinLimitAsync(token => AnswerAsync(pending.Batch, outcomes, responseStream, token), context.CancellationToken);
                        budget.Release(pending.Batch.Sum(item => item.Bytes));
                    }

                    if (!await decided.Reader.WaitToReadAsync(CancellationToken.None))
                    {
                        break;
                    }
                }

                var batch = new List<DecidedProposal>(BatchSize);
                while (batch.Count < BatchSize && decided.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                inFlight.Enqueue((batch, Store(batch)));
                if (inFlight.Count >= CommitsInFlight)
                {
                    var (done, storing) = inFlight.Dequeue();
                    var stored = await storing;
                    await stalledAnswers.WithinLimitAsync(token => AnswerAsync(done, stored, responseStream, token), context.CancellationToken);
                    budget.Release(done.Sum(item => item.Bytes));
                }
            }

        }
        finally
        {
            // When storing or answering fails, the reader must not wait forever on a full channel,
            // and commits still in flight finish (their households are stored; a resend replays them).
            await stopReading.CancelAsync();
            await reading;
            foreach (var (_, storing) in inFlight)
            {
                await storing.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    public override async Task<V1.GetHouseholdResponse> GetHousehold(V1.GetHouseholdRequest request, ServerCallContext context)
    {
        var id = ParseHouseholdId(request.HouseholdId);
        var household = await querySession.LoadAsync<Household>(id, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "No household has that id."));
        return new V1.GetHouseholdResponse { Household = RegistryMapping.ToProto(household) };
    }

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    public override async Task StreamHouseholdHistory(
        V1.StreamHouseholdHistoryRequest request,
        IServerStreamWriter<V1.StreamHouseholdHistoryResponse> responseStream,
        ServerCallContext context)
    {
        var id = ParseHouseholdId(request.HouseholdId);
        // Another stream's id (a conflict case's) names no household.
        var events = await EventStreams.IsAsync<Household>(querySession, id, context.CancellationToken)
            ? (await querySession.Events.FetchStreamAsync(id, token: context.CancellationToken)).ToList()
            : [];
        if (events.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.NotFound, "No household has that id."));
        }

        // A survivor keeps the history of the duplicates merged into it, in the order it happened.
        foreach (var merged in events.Select(e => e.Data).OfType<DuplicateMerged>().ToList())
        {
            events.AddRange(await querySession.Events.FetchStreamAsync(merged.MergedHouseholdId, token: context.CancellationToken));
        }

        foreach (var stored in events.OrderBy(e => e.Sequence))
        {
            await responseStream.WriteAsync(new V1.StreamHouseholdHistoryResponse { Event = RegistryMapping.ToProto(stored) }, context.CancellationToken);
        }
    }

    [Authorize(Policy = PartnerAccess.ChangeHouseholds)]
    public override async Task<V1.ChangeHouseholdResponse> ChangeHousehold(V1.ChangeHouseholdRequest request, ServerCallContext context)
    {
        var command = RegistryMapping.ToCommand(request, ParseHouseholdId(request.HouseholdId), context.Partner().Actor);
        var contentHash = Convert.ToHexString(SHA256.HashData(request.ToByteArray()));
        var outcome = await changes.ApplyAsync(command, contentHash, context.CancellationToken);
        return outcome switch
        {
            ChangeOutcome.Done done => new V1.ChangeHouseholdResponse
            {
                Household = RegistryMapping.ToProto(done.Household),
                PendingChangeId = done.PendingChangeId?.ToString() ?? string.Empty,
                NewHouseholdId = done.NewHouseholdId?.ToString() ?? string.Empty,
            },
            ChangeOutcome.NotFound notFound => throw new RpcException(new Status(StatusCode.NotFound, $"No household has that {notFound.Field}.")),
            ChangeOutcome.Stale { OtherHouseholdId: { } other } stale => throw new RpcException(new Status(
                StatusCode.Aborted,
                $"The other household {other} is at version {stale.CurrentVersion}, not {request.MergeHousehold.OtherExpectedVersion}: read it again and decide on its current state.")),
            ChangeOutcome.Stale stale => throw new RpcException(new Status(
                StatusCode.Aborted,
                stale.CurrentVersion is { } current
                    ? $"The household is at version {current}, not {request.ExpectedVersion}: read it again and decide on its current state."
                    : "The household changed while this change was being stored: read it again and decide on its current state.")),
            ChangeOutcome.KeyTaken taken => throw RegistryMapping.ReferenceTaken(taken.HouseholdId, "idempotency_key").ToRpcException(),
            ChangeOutcome.Decided { Decision: ChangeDecision.Invalid invalid } =>
                throw RegistryMapping.InvalidArgument($"Change refused: {invalid.Violations.Count} invalid field(s); nothing was stored.", invalid.Violations).ToRpcException(),
            ChangeOutcome.Decided { Decision: ChangeDecision.NotAllowed notAllowed } => throw RegistryMapping.FailedPrecondition(command.HouseholdId, notAllowed.Reason).ToRpcException(),
            ChangeOutcome.Decided { Decision: ChangeDecision.Forbidden forbidden } => throw new RpcException(new Status(StatusCode.PermissionDenied, forbidden.Reason)),
            _ => throw new InvalidOperationException("Unknown change outcome."),
        };
    }

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    public override async Task<V1.GetConflictCaseResponse> GetConflictCase(V1.GetConflictCaseRequest request, ServerCallContext context)
    {
        var conflict = await querySession.LoadAsync<ConflictCase>(ParseId(request.ConflictCaseId, "conflict_case_id"), context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "No conflict case has that id."));
        return new V1.GetConflictCaseResponse { ConflictCase = RegistryMapping.ToProto(conflict) };
    }

    [Authorize(Policy = PartnerAccess.ResolveConflicts)]
    public override async Task<V1.ResolveConflictCaseResponse> ResolveConflictCase(V1.ResolveConflictCaseRequest request, ServerCallContext context)
    {
        var command = new ResolveConflictCommand(
            ParseId(request.ConflictCaseId, "conflict_case_id"),
            RegistryMapping.ToDomain(request.Resolution),
            request.IdempotencyKey,
            request.Reason,
            request.EvidenceReference.Length == 0 ? null : request.EvidenceReference,
            context.Partner().Actor);
        var outcome = await resolutions.ResolveAsync(command, Convert.ToHexString(SHA256.HashData(request.ToByteArray())), context.CancellationToken);
        return outcome switch
        {
            ResolutionOutcome.Done done => new V1.ResolveConflictCaseResponse { ConflictCase = RegistryMapping.ToProto(done.Case) },
            ResolutionOutcome.Invalid invalid => throw RegistryMapping.InvalidArgument("Resolution refused; nothing was stored.", invalid.Violations).ToRpcException(),
            ResolutionOutcome.NotAllowed notAllowed => throw RegistryMapping.FailedPrecondition(notAllowed.Subject, notAllowed.Reason).ToRpcException(),
            ResolutionOutcome.NotFound => throw new RpcException(new Status(StatusCode.NotFound, "No conflict case has that id.")),
            ResolutionOutcome.Stale => throw new RpcException(new Status(StatusCode.Aborted, "A household of the case changed meanwhile: read the case again and decide on the current state.")),
            ResolutionOutcome.KeyTaken taken => throw RegistryMapping.ReferenceTaken(taken.CaseId, "idempotency_key").ToRpcException(),
            _ => throw new InvalidOperationException("Unknown resolution outcome."),
        };
    }

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    public override async Task StreamChanges(V1.StreamChangesRequest request, IServerStreamWriter<V1.StreamChangesResponse> responseStream, ServerCallContext context)
    {
        if (request.AfterCheckpoint < 0)
        {
            throw RegistryMapping.InvalidArgument("after_checkpoint is negative.", [new FieldIssue("after_checkpoint", "must be 0 or a checkpoint the feed returned")]).ToRpcException();
        }

        var filter = new FeedFilter(request.RegionPrefix.Trim(), RegistryMapping.ToDomain(request.Program));
        if (!filter.HasValidRegion)
        {
            throw RegistryMapping.InvalidArgument("Feed refused.", [new FieldIssue("region_prefix", FeedFilter.RegionRule)]).ToRpcException();
        }

        // A checkpoint beyond every event stored is none the feed ever returned (from another store, or made up).
        if (request.AfterCheckpoint > await EventStreams.HighestSequenceAsync(querySession, context.CancellationToken))
        {
            throw new RpcException(new Status(StatusCode.OutOfRange, "after_checkpoint is beyond every change stored: resume from a checkpoint this hub's feed returned, or from 0."));
        }

        try
        {
            await foreach (var item in feed.ReadAsync(request.AfterCheckpoint, filter, context.CancellationToken))
            {
                await responseStream.WriteAsync(
                    new V1.StreamChangesResponse { Checkpoint = item.Checkpoint, Event = item.Change is null ? null : RegistryMapping.ToProto(item.Change) },
                    context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The partner disconnected; it resumes from its last checkpoint.
        }
    }

    [Authorize(Policy = PartnerAccess.ReadRegistry)]
    public override async Task<V1.SearchHouseholdsResponse> SearchHouseholds(V1.SearchHouseholdsRequest request, ServerCallContext context)
    {
        var query = new HouseholdQuery(
            request.Nik.Trim(),
            request.FamilyCardNumber.Trim(),
            request.RegionPrefix.Trim(),
            RegistryMapping.ToDomain(request.Program),
            RegistryMapping.ToDomain(request.Status),
            request.PageSize,
            request.PageToken);
        var page = await RegistryReads.SearchAsync(querySession, query, context.CancellationToken);
        var response = new V1.SearchHouseholdsResponse { NextPageToken = page.NextPageToken };
        response.Households.Add(page.Households.Select(RegistryMapping.ToProto));
        return response;
    }

    private async Task ReadAndDecideAsync(
        IAsyncStreamReader<V1.SubmitHouseholdsRequest> requests, ChannelWriter<DecidedProposal> decided, StreamBudget budget, Actor actor, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            long position = 0;
            while (await requests.MoveNext(cancellationToken))
            {
                var request = requests.Current;
                var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
                var decision = ProposalRules.Decide(RegistryMapping.ToCommand(request, actor), regions, today);
                // The hash of what was sent tells a resend of the same household from a different one under the same reference.
                var contentHash = Convert.ToHexString(SHA256.HashData(request.ToByteArray()));
                // What is kept until answered: an accepted household (its fields within their limits), or
                // only the refusal's field paths; a reference over its limit is echoed cut to the limit.
                var bytes = decision is ProposalDecision.Accepted ? StreamBudget.SizeOf(request) : 2048 + (256L * ((ProposalDecision.Refused)decision).Violations.Count);
                await budget.TakeAsync(bytes, cancellationToken);
                var reference = RegistryMapping.Echo(request.PartnerReference, ProposalRules.MaxPartnerReferenceLength);
                await decided.WriteAsync(new DecidedProposal(position++, actor.PartnerId, reference, contentHash, decision, bytes), cancellationToken);
            }
        }
        catch (Exception exception)
        {
            failure = exception;
        }
        finally
        {
            decided.TryComplete(failure);
        }
    }

    private Task<IReadOnlyList<ProposalOutcome>> Store(List<DecidedProposal> batch)
    {
        var accepted = batch
            .Where(item => item.Decision is ProposalDecision.Accepted)
            .Select(item => new ProposalToStore(item.PartnerId, item.PartnerReference, item.ContentHash, ((ProposalDecision.Accepted)item.Decision).Event))
            .ToList();
        // Not cancelled with the call: a household that was read is stored even if its caller has gone.
        return proposals.StoreAsync(accepted, CancellationToken.None);
    }

    private static async Task AnswerAsync(
        List<DecidedProposal> batch, IReadOnlyList<ProposalOutcome> outcomes, IServerStreamWriter<V1.SubmitHouseholdsResponse> responses, CancellationToken cancellationToken)
    {
        var next = 0;
        var answered = 0;
        foreach (var item in batch)
        {
            var response = item.Decision switch
            {
                ProposalDecision.Accepted accept => outcomes[next++] switch
                {
                    ProposalOutcome.Stored stored => RegistryMapping.Accepted(item.Position, item.PartnerReference, stored.HouseholdId, stored.Version, stored.ConflictCaseId, accept.Warnings),
                    ProposalOutcome.Replayed replayed => RegistryMapping.Accepted(item.Position, item.PartnerReference, replayed.HouseholdId, replayed.Version, replayed.ConflictCaseId, accept.Warnings),
                    ProposalOutcome.ReferenceTaken taken => RegistryMapping.Refused(item.Position, item.PartnerReference, RegistryMapping.ReferenceTaken(taken.HouseholdId, "partner_reference"), accept.Warnings),
                    _ => throw new InvalidOperationException("Unknown proposal outcome."),
                },
                ProposalDecision.Refused refuse => RegistryMapping.Refused(
                    item.Position,
                    item.PartnerReference,
                    RegistryMapping.InvalidArgument($"Household refused: {refuse.Violations.Count} invalid field(s); nothing was stored.", refuse.Violations),
                    refuse.Warnings),
                _ => throw new InvalidOperationException("Unknown proposal decision."),
            };
            // A batch's outcomes go out together: each write only appends to the response, the last flushes it.
            responses.WriteOptions = ++answered < batch.Count ? Buffered : Flushed;
            await responses.WriteAsync(response, cancellationToken);
        }
    }

    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    private static readonly WriteOptions Flushed = new();

    private static Guid ParseHouseholdId(string value) => ParseId(value, "household_id");

    private static Guid ParseId(string value, string field) => RegistryReads.ParseId(value, field);

    private sealed record DecidedProposal(long Position, string PartnerId, string PartnerReference, string ContentHash, ProposalDecision Decision, long Bytes);
}
