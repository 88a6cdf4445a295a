using Google.Protobuf;
using Grpc.Core;
using Interop.Hub.Audit.Log;
using Interop.Hub.Audit.Replay;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Partners;
using Interop.Transparency;
using Microsoft.AspNetCore.Authorization;
using AuditV1 = Interop.Contracts.Audit.V1;

namespace Interop.Hub.Grpc;

/// <summary>Thin adapter for interop.audit.v1.AuditLogService: an auditor's reads of the audit log (docs/audit.md).</summary>
internal sealed class AuditLogGrpcService(LogReads reads, EvidencePackages evidencePackages) : AuditV1.AuditLogService.AuditLogServiceBase
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

        using var walk = LogReads.TryStartWalk()
            ?? throw new RpcException(new Status(StatusCode.ResourceExhausted, $"{LogReads.MaxWalks} walks of the log are under way, the most the hub serves at once; retry when one ends."));
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

    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsNoPersonalData]
    public override async Task<AuditV1.GetInclusionProofResponse> GetInclusionProof(AuditV1.GetInclusionProofRequest request, ServerCallContext context)
    {
        var outcome = await reads.InclusionProofAsync(
            request.LeafCase == AuditV1.GetInclusionProofRequest.LeafOneofCase.LeafIndex ? request.LeafIndex : null,
            request.LeafCase == AuditV1.GetInclusionProofRequest.LeafOneofCase.Row ? (request.Row.Source, request.Row.Sequence) : null,
            request.TreeSize,
            context.CancellationToken);
        var proof = outcome as ProofOutcome.Inclusion ?? throw Refused(outcome, "Inclusion proof refused.");
        return new AuditV1.GetInclusionProofResponse { LeafIndex = proof.LeafIndex, TreeSize = proof.TreeSize, Hashes = { proof.Hashes.Select(ByteString.CopyFrom) }, Checkpoint = proof.Checkpoint };
    }

    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsNoPersonalData]
    public override async Task<AuditV1.GetConsistencyProofResponse> GetConsistencyProof(AuditV1.GetConsistencyProofRequest request, ServerCallContext context)
    {
        var outcome = await reads.ConsistencyProofAsync(request.OldSize, request.NewSize, context.CancellationToken);
        var proof = outcome as ProofOutcome.Consistency ?? throw Refused(outcome, "Consistency proof refused.");
        return new AuditV1.GetConsistencyProofResponse
        {
            OldSize = proof.OldSize,
            NewSize = proof.NewSize,
            Hashes = { proof.Hashes.Select(ByteString.CopyFrom) },
            OldCheckpoint = proof.OldCheckpoint,
            NewCheckpoint = proof.NewCheckpoint,
        };
    }

    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsNoPersonalData]
    public override async Task<AuditV1.AddCosignatureResponse> AddCosignature(AuditV1.AddCosignatureRequest request, ServerCallContext context)
    {
        if (request.TreeSize < 0)
        {
            throw Refusals.InvalidArgument("Cosignature refused.", [new FieldIssue("tree_size", "must not be negative")]).ToRpcException();
        }

        var (decision, checkpoint) = await reads.AddCosignatureAsync(request.TreeSize, request.Cosignature, context.CancellationToken);
        return decision switch
        {
            CosignatureDecision.Accepted => new AuditV1.AddCosignatureResponse { Checkpoint = checkpoint ?? string.Empty },
            CosignatureDecision.Malformed malformed => throw Refusals.InvalidArgument("Cosignature refused.", [new FieldIssue("cosignature", malformed.Description)]).ToRpcException(),
            CosignatureDecision.NotAWitness => throw Refusals.PermissionDenied("The cosignature's key is not a witness of this log.").ToRpcException(),
            CosignatureDecision.Invalid invalid when checkpoint is null => throw Refusals.NotFound("checkpoint", "tree_size", "No checkpoint has that size.").ToRpcException(),
            CosignatureDecision.Invalid invalid => throw Refusals.InvalidArgument("Cosignature refused.", [new FieldIssue("cosignature", invalid.Description)]).ToRpcException(),
            _ => throw new InvalidOperationException($"Unexpected cosignature decision {decision.GetType().Name}."),
        };
    }

    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsPersonalData]
    public override async Task<AuditV1.GetHouseholdEvidenceResponse> GetHouseholdEvidence(AuditV1.GetHouseholdEvidenceRequest request, ServerCallContext context)
    {
        if (!Guid.TryParse(request.HouseholdId.Trim(), out var householdId))
        {
            throw Refusals.InvalidArgument("Evidence refused.", [new FieldIssue("household_id", "is not a household's record id")]).ToRpcException();
        }

        // An entry is the record as stored: nothing in it can be masked.
        WholeRecords.RequireWholeHouseholds(context, "An evidence package");

        var evidence = await evidencePackages.OfAsync(new ReplaySubject.Household(householdId), withholdAccountNumbers: false, context.CancellationToken) switch
        {
            EvidenceOutcome.Package package => package,
            // As released: a household nothing of which a checkpoint covers yet has an empty package.
            EvidenceOutcome.NotCovered notCovered => new EvidenceOutcome.Package(string.Empty, [], notCovered.Entries, [householdId]),
            var refused => throw Refused(refused, new ReplaySubject.Household(householdId), "household_id"),
        };

        // The entries are signed as stored: account numbers in them cannot be withheld here, so only a view that shows them may have them.
        if (!WholeRecords.ShowsAccountNumbers(context) && evidence.Leaves.Any(leaf => EvidencePackages.HoldsAccountNumber(leaf.Entry)))
        {
            throw Refusals.PermissionDenied(
                "This household's evidence holds bank account numbers, which the purpose named does not show (the steward's and the recipient's bank's views do); its events can be replayed with the numbers withheld, and GetRecordEvidence gives the package with those entries withheld.").ToRpcException();
        }

        var response = new AuditV1.GetHouseholdEvidenceResponse { HouseholdId = householdId.ToString(), Checkpoint = evidence.Checkpoint, UncoveredEvents = evidence.Uncovered };
        response.Leaves.AddRange(evidence.Leaves.Select(Leaf));
        return response;
    }

    [Authorize(Policy = PartnerAccess.ReadAccessLog)]
    [ReadsPersonalData]
    public override async Task<AuditV1.GetRecordEvidenceResponse> GetRecordEvidence(AuditV1.GetRecordEvidenceRequest request, ServerCallContext context)
    {
        var subject = RecordRefs.SubjectOf(request.Record, "Evidence refused.");
        WholeRecords.RequireWholeHouseholds(context, "An evidence package");
        var field = subject switch
        {
            ReplaySubject.Household => "record.household_id",
            ReplaySubject.Line => "record.disbursement_line",
            _ => $"record.{subject.Noun}_id",
        };
        var evidence = await evidencePackages.OfAsync(subject, withholdAccountNumbers: !WholeRecords.ShowsAccountNumbers(context), context.CancellationToken) switch
        {
            EvidenceOutcome.Package package => package,
            var refused => throw Refused(refused, subject, field),
        };
        var response = new AuditV1.GetRecordEvidenceResponse { Record = request.Record, Checkpoint = evidence.Checkpoint, UncoveredEntries = evidence.Uncovered };
        response.Leaves.AddRange(evidence.Leaves.Select(Leaf));
        response.HouseholdIds.AddRange(evidence.Households.Select(id => id.ToString()));
        return response;
    }

    private static RpcException Refused(EvidenceOutcome outcome, ReplaySubject subject, string field) => outcome switch
    {
        EvidenceOutcome.NoRecord when subject is ReplaySubject.Household => Refusals.NoHousehold(field).ToRpcException(),
        EvidenceOutcome.NoRecord when subject is ReplaySubject.Line => Refusals.NotFound("disbursement line", field, "No batch has a line with that number.").ToRpcException(),
        EvidenceOutcome.NoRecord => Refusals.NotFound(subject.Noun, field, $"No {subject.Noun} has that id.").ToRpcException(),
        EvidenceOutcome.NotCovered notCovered => Refusals.FailedPrecondition("AUDIT_LOG", EvidencePackages.Named(subject).Id,
            $"None of the record's {notCovered.Entries} entries is covered by a signed checkpoint yet: ask again in a second.").ToRpcException(),
        EvidenceOutcome.TooLarge tooLarge => new RpcException(new Status(StatusCode.ResourceExhausted,
            $"The record has more than {EvidencePackages.MaxLeaves:N0} entries ({tooLarge.AtLeast:N0} read): more than one evidence package holds; verify the whole log instead (`interop audit verify`).")),
        EvidenceOutcome.RowUnreadable unreadable => Refusals.FailedPrecondition("AUDIT_LOG", EvidencePackages.Named(subject).Id,
            $"The row of leaf {unreadable.Index} no longer has the log's encoding: it was changed behind the hub's back (`interop audit verify` names it).").ToRpcException(),
        _ => throw new InvalidOperationException($"Unexpected evidence outcome {outcome.GetType().Name}."),
    };

    /// <summary>A leaf of a package on the wire; a withheld one with its hash, version and the hub's statement instead of its entry.</summary>
    private static AuditV1.EvidenceLeaf Leaf(EvidenceLeaf leaf) => new()
    {
        Index = leaf.Index,
        Source = leaf.Source,
        Sequence = leaf.Sequence,
        Entry = leaf.Entry,
        Proof = { leaf.Proof.Select(ByteString.CopyFrom) },
        Withheld = leaf.Withheld is null ? string.Empty : EvidenceSubjects.HoldsAccountNumber,
        LeafHash = leaf.Withheld is { } withheld ? ByteString.CopyFrom(withheld.LeafHash) : ByteString.Empty,
        WithheldVersion = leaf.Withheld?.Version ?? 0,
        WithheldStatement = leaf.Withheld is { } stated ? ByteString.CopyFrom(stated.Statement) : ByteString.Empty,
    };

    private static RpcException Refused(ProofOutcome outcome, string message) => outcome switch
    {
        ProofOutcome.Malformed malformed => Refusals.InvalidArgument(message, [new FieldIssue(malformed.Field, malformed.Description)]).ToRpcException(),
        ProofOutcome.NotFound missing => Refusals.NotFound(missing.ResourceType, missing.Field, missing.Message).ToRpcException(),
        ProofOutcome.OutOfRange range => Refusals.OutOfRange(message, range.Field, range.Description).ToRpcException(),
        _ => throw new InvalidOperationException($"Unexpected proof outcome {outcome.GetType().Name}."),
    };

    private static AuditV1.LeafRow Row((long Index, string Source, long Sequence) row) => new() { Index = row.Index, Source = row.Source, Sequence = row.Sequence };
}
