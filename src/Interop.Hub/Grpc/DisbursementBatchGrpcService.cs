using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Disbursements.Reconciliation;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;
using Microsoft.AspNetCore.Authorization;
using V1 = Interop.Contracts.Disbursement.V1;

namespace Interop.Hub.Grpc;

/// <summary>Thin adapter for interop.disbursement.v1.DisbursementBatchService.</summary>
internal sealed class DisbursementBatchGrpcService(BatchIssuing issuing, BatchReads reads, BatchReconciliation reconciliation) : V1.DisbursementBatchService.DisbursementBatchServiceBase
{
    private const string BatchType = "interop.disbursement.v1.Batch";

    [Authorize(Policy = PartnerAccess.IssueDisbursements)]
    [ReadsNoPersonalData]
    [BulkCall]
    public override async Task<V1.IssueBatchResponse> IssueBatch(V1.IssueBatchRequest request, ServerCallContext context)
    {
        var issues = new List<FieldIssue>();
        var cutOff = Moment(request.CutOffTime, "cut_off_time", issues);
        var deadline = Moment(request.PaymentDeadline, "payment_deadline", issues);
        var command = new IssueBatch(
            request.BatchReference,
            WireEnum<SocialProgram>.From(request.Program),
            request.Year,
            request.Stage,
            cutOff,
            deadline,
            FreeText.Clean(request.Reason),
            context.Partner().Actor,
            RequestFields.ContentHash(request));
        return new() { Batch = await AnsweredAsync(issues.Count > 0 ? new BatchOutcome.Invalid(issues) : await issuing.IssueAsync(command, context.CancellationToken), "Batch not issued", request.BatchReference, context) };
    }

    [Authorize(Policy = PartnerAccess.IssueDisbursements)]
    [ReadsNoPersonalData]
    [BulkCall]
    public override async Task<V1.SealBatchResponse> SealBatch(V1.SealBatchRequest request, ServerCallContext context)
    {
        var command = new SealBatch(
            RequestFields.ParseId(request.BatchId, "batch_id"),
            new ControlTotals(request.ControlTotals?.LineCount ?? 0, request.ControlTotals?.Amount ?? 0),
            FreeText.Clean(request.Reason),
            context.Partner().Actor);
        return new() { Batch = await AnsweredAsync(await issuing.SealAsync(command, context.CancellationToken), "Batch not sealed", request.BatchId, context) };
    }

    [Authorize(Policy = PartnerAccess.IssueDisbursements)]
    [ReadsNoPersonalData]
    public override async Task<V1.CancelLineResponse> CancelLine(V1.CancelLineRequest request, ServerCallContext context)
    {
        var command = new CancelLine(RequestFields.ParseId(request.BatchId, "batch_id"), request.LineNumber, FreeText.Clean(request.Reason), context.Partner().Actor);
        return new() { Batch = await AnsweredAsync(await issuing.CancelLineAsync(command, context.CancellationToken), "Line not cancelled", request.BatchId, context) };
    }

    [Authorize(Policy = PartnerAccess.IssueDisbursements)]
    [ReadsNoPersonalData]
    public override async Task<V1.GetBatchResponse> GetBatch(V1.GetBatchRequest request, ServerCallContext context) =>
        new()
        {
            Batch = await reads.BatchAsync(RequestFields.ParseId(request.BatchId, "batch_id"), context.CancellationToken) is { } view
                ? ToProto(view)
                : throw Refusals.NotFound(BatchType, "batch_id", "No batch has that id.").ToRpcException(),
        };

    [Authorize(Policy = PartnerAccess.IssueDisbursements)]
    [ReadsPersonalData]
    public override async Task<V1.ListBatchLinesResponse> ListBatchLines(V1.ListBatchLinesRequest request, ServerCallContext context)
    {
        var batchId = RequestFields.ParseId(request.BatchId, "batch_id");
        var issues = new List<FieldIssue>();
        if (request.PageSize is < 0 or > BatchReads.MaxPage)
        {
            issues.Add(new("page_size", $"must be 0 to {BatchReads.MaxPage:N0}"));
        }

        long after = 0;
        if (request.PageToken.Length > 0 && (!long.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out after) || after <= 0))
        {
            issues.Add(new("page_token", "must be a next_page_token this method returned"));
        }

        if (issues.Count > 0)
        {
            throw Refusals.InvalidArgument("Lines not listed.", issues).ToRpcException();
        }

        var size = request.PageSize == 0 ? 100 : request.PageSize;
        var lines = await reads.LinesAsync(batchId, after, size, context.CancellationToken)
            ?? throw Refusals.NotFound(BatchType, "batch_id", "No batch has that id.").ToRpcException();
        var response = new V1.ListBatchLinesResponse
        {
            NextPageToken = lines.Count == size ? lines[^1].Line.Number.ToString(CultureInfo.InvariantCulture) : string.Empty,
        };
        response.Lines.Add(lines.Select(ToProto));
        return response;
    }

    [Authorize(Policy = PartnerAccess.IssueDisbursements)]
    [ReadsNoPersonalData]
    public override async Task<V1.GetReconciliationReportResponse> GetReconciliationReport(V1.GetReconciliationReportRequest request, ServerCallContext context)
    {
        var batchId = RequestFields.ParseId(request.BatchId, "batch_id");
        var issues = new List<FieldIssue>();
        var asOf = Moment(request.AsOfTime, "as_of_time", issues);
        if (issues.Count > 0)
        {
            throw Refusals.InvalidArgument("Report refused.", issues).ToRpcException();
        }

        return (await reconciliation.ReportAsync(batchId, asOf, context.CancellationToken)) switch
        {
            ReconciliationRead.Reported reported => new() { Report = ToProto(reported) },
            ReconciliationRead.NoBatch => throw Refusals.NotFound(BatchType, "batch_id", "No batch has that id.").ToRpcException(),
            ReconciliationRead.NotSealed => throw Refusals.FailedPrecondition("BATCH_STATE", request.BatchId, "The batch is not sealed: nothing was sent to a bank, there is nothing to reconcile.").ToRpcException(),
            ReconciliationRead.OutOfRange outOfRange => throw Refusals.OutOfRange($"Report refused: {outOfRange.Reason}.", "as_of_time", outOfRange.Reason).ToRpcException(),
            _ => throw new InvalidOperationException("Unknown reconciliation read."),
        };
    }

    private static V1.ReconciliationReport ToProto(ReconciliationRead.Reported reported)
    {
        var report = reported.Report;
        var proto = new V1.ReconciliationReport
        {
            BatchId = reported.Batch.Id.ToString(),
            AsOfTime = Timestamp.FromDateTimeOffset(reported.AsOf),
            PaymentDeadline = Timestamp.FromDateTimeOffset(reported.Batch.PaymentDeadline),
            ControlTotals = new V1.ControlTotals { LineCount = reported.Batch.Totals.LineCount, Amount = reported.Batch.Totals.Amount },
            Counted = new V1.ControlTotals { LineCount = report.Totals.LineCount, Amount = report.Totals.Amount },
            ConfirmedTwice = report.ConfirmedTwice,
        };
        proto.Rows.Add(report.Rows.Select(row => new V1.ReconciliationRow
        {
            Bank = row.Bank,
            ProvinceCode = row.RegencyCode.Split('.')[0],
            RegencyCode = row.RegencyCode,
            Outcome = WireEnum<V1.LineOutcome>.From(row.Outcome),
            Lines = row.Lines,
            InstructedAmount = row.InstructedAmount,
            MovedAmount = row.MovedAmount,
        }));
        proto.RejectedByReason.Add(report.RejectedByReason.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => new V1.ReasonCount { ReasonCode = pair.Key, Lines = pair.Value }));
        proto.UnknownConfirmations.Add(report.UnknownConfirmations.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => new V1.BankCount { Bank = pair.Key, Confirmations = pair.Value }));
        return proto;
    }

    private static DateTimeOffset? Moment(Timestamp? value, string field, List<FieldIssue> issues)
    {
        if (value is null)
        {
            return null;
        }

        if (RequestFields.TimestampIssue(value, field) is { } issue)
        {
            issues.Add(issue);
            return null;
        }

        return value.ToDateTimeOffset();
    }

    private async Task<V1.Batch> AnsweredAsync(BatchOutcome outcome, string refused, string subject, ServerCallContext context) => outcome switch
    {
        BatchOutcome.Done done => ToProto(await reads.BatchAsync(done.Batch.Id, context.CancellationToken) ?? new BatchView(done.Batch, [])),
        BatchOutcome.Invalid invalid => throw Refusals.InvalidArgument($"{refused}: {invalid.Violations.Count} invalid field(s).", invalid.Violations).ToRpcException(),
        BatchOutcome.NotFound notFound => throw Refusals.NotFound(notFound.Field == "batch_id" ? BatchType : "interop.disbursement.v1.DisbursementLine", notFound.Field, $"{refused}: no {(notFound.Field == "batch_id" ? "batch has that id" : "line of the batch has that number")}.").ToRpcException(),
        BatchOutcome.ReferenceTaken taken => throw Refusals.AlreadyExists(BatchType, "batch_reference", $"{refused}: batch {taken.BatchId} was issued under that reference with another request.").ToRpcException(),
        BatchOutcome.NotAllowed notAllowed => throw Refusals.FailedPrecondition("BATCH_STATE", subject, $"{refused}: {notAllowed.Reason}.").ToRpcException(),
        _ => throw new InvalidOperationException($"Unknown batch outcome {outcome.GetType().Name}."),
    };

    private static V1.Batch ToProto(BatchView view)
    {
        var batch = view.Batch;
        var proto = new V1.Batch
        {
            BatchId = batch.Id.ToString(),
            BatchReference = batch.Reference,
            Program = WireEnum<V1.Program>.From(batch.Round.Programme),
            Year = batch.Round.Year,
            Stage = batch.Round.Stage,
            CutOffTime = Timestamp.FromDateTimeOffset(batch.CutOff),
            PaymentDeadline = Timestamp.FromDateTimeOffset(batch.PaymentDeadline),
            Status = WireEnum<V1.BatchStatus>.From(batch.Status),
            Totals = new V1.ControlTotals { LineCount = batch.Totals.LineCount, Amount = batch.Totals.Amount },
            CancelledLines = batch.CancelledLines,
            IssuedByPartnerId = batch.IssuedBy.PartnerId,
            IssueTime = Timestamp.FromDateTimeOffset(batch.IssuedAt),
            SealTime = batch.SealedAt is { } sealedAt ? Timestamp.FromDateTimeOffset(sealedAt) : null,
            Version = batch.Version,
        };
        proto.LeftOut.Add(view.LeftOut.Select(left => new V1.LeftOutCount { Reason = left.Reason, Households = left.Count }));
        return proto;
    }

    private static V1.DisbursementLine ToProto(Storage.StoredLine stored) =>
        new()
        {
            LineNumber = stored.Line.Number,
            EndToEndId = stored.Line.EndToEndId,
            HouseholdId = stored.Line.HouseholdId.ToString(),
            RecipientNik = stored.Line.RecipientNik,
            RecipientName = stored.Line.RecipientName,
            Bank = stored.Line.Account.Bank,
            AccountNumber = stored.Line.Account.AccountNumber,
            Amount = stored.Line.Amount,
            RegencyCode = stored.Line.RegencyCode,
            CancellationReason = stored.CancelledBecause ?? string.Empty,
            PaymentStatus = WireEnum<V1.PaymentStatus>.From(stored.Status),
            ConfirmationsApplied = stored.ConfirmationsApplied,
            KeptForReview = stored.KeptForReview,
            HoldReason = stored.HeldBecause ?? string.Empty,
        };
}
