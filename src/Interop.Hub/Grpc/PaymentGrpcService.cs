using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Storage;
using Microsoft.AspNetCore.Authorization;
using V1 = Interop.Contracts.Disbursement.V1;

namespace Interop.Hub.Grpc;

/// <summary>Thin adapter for interop.disbursement.v1.PaymentService.</summary>
internal sealed class PaymentGrpcService(BankFeed feed, PaymentConfirmations confirmations, IngestStreams ingestStreams, StalledAnswers stalledAnswers)
    : V1.PaymentService.PaymentServiceBase
{
    [Authorize(Policy = PartnerAccess.ConfirmDisbursements)]
    [ReadsPersonalData]
    public override async Task StreamLines(V1.StreamLinesRequest request, IServerStreamWriter<V1.StreamLinesResponse> responseStream, ServerCallContext context)
    {
        var after = FeedCheckpoint.Parse(request.AfterCheckpoint)
            ?? throw Refusals.InvalidArgument("Lines not streamed.", [new FieldIssue("after_checkpoint", "must be empty or a checkpoint this stream sent")]).ToRpcException();
        await foreach (var item in feed.AfterAsync(context.Partner().Actor.PartnerId, after, context.CancellationToken))
        {
            await responseStream.WriteAsync(ToProto(item), context.CancellationToken);
        }
    }

    [Authorize(Policy = PartnerAccess.ConfirmDisbursements)]
    [ReadsNoPersonalData]
    public override Task ConfirmPayments(
        IAsyncStreamReader<V1.ConfirmPaymentsRequest> requestStream, IServerStreamWriter<V1.ConfirmPaymentsResponse> responseStream, ServerCallContext context) =>
        DecideAsync(requestStream, responseStream, request => request.Confirmations, answers => new V1.ConfirmPaymentsResponse { Answers = { answers } }, keep: true, context);

    [Authorize(Policy = PartnerAccess.ConfirmDisbursements)]
    [ReadsNoPersonalData]
    public override Task CheckPayments(
        IAsyncStreamReader<V1.CheckPaymentsRequest> requestStream, IServerStreamWriter<V1.CheckPaymentsResponse> responseStream, ServerCallContext context) =>
        DecideAsync(requestStream, responseStream, request => request.Confirmations, answers => new V1.CheckPaymentsResponse { Answers = { answers } }, keep: false, context);

    /// <summary>
    /// A bank's stream of confirmations, a group a message, decided and stored when
    /// <paramref name="keep"/>; the answers of each batch the hub decides go back in one message, in
    /// the order sent (a stalled reader of answers is cut off, <see cref="StalledAnswers"/>).
    /// </summary>
    private async Task DecideAsync<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        Func<TRequest, IReadOnlyList<V1.PaymentConfirmation>> confirmationsOf,
        Func<IEnumerable<V1.ConfirmationAnswer>, TResponse> grouped,
        bool keep,
        ServerCallContext context)
        where TRequest : class, Google.Protobuf.IMessage
    {
        var bank = context.Partner().Actor;
        using var slot = ingestStreams.Enter(bank.PartnerId);
        await confirmations.ConfirmStreamAsync(
            requestStream.MappedEach(confirmationsOf, ToDomain, PaymentConfirmations.Limits.BatchSize, "confirmations"),
            bank,
            answers => stalledAnswers.WriteAsync(responseStream, [grouped(answers.Select(ToProto))], context.CancellationToken),
            context.CancellationToken,
            keep);
    }

    private static Confirmation ToDomain(V1.PaymentConfirmation request) =>
        new(
            request.EndToEndId,
            WireEnum<PaymentStatus>.From(request.Status),
            request.ReasonCode.Length == 0 ? null : request.ReasonCode,
            request.Amount,
            request.Currency,
            request.BankReference);

    private static V1.StreamLinesResponse ToProto(FeedItem item)
    {
        var response = new V1.StreamLinesResponse { Checkpoint = item.Checkpoint.ToString() };
        switch (item)
        {
            case FeedItem.Pay pay:
                response.Pay = new V1.LineToPay
                {
                    BatchId = pay.Line.BatchId.ToString(),
                    LineNumber = pay.Line.LineNumber,
                    EndToEndId = pay.Line.EndToEndId,
                    HouseholdId = pay.Line.HouseholdId.ToString(),
                    RecipientName = pay.Line.RecipientName,
                    AccountNumber = pay.Line.AccountNumber,
                    Amount = pay.Line.Amount,
                    Currency = ConfirmationRules.Currency,
                    PaymentDeadline = Timestamp.FromDateTimeOffset(pay.Line.PaymentDeadline),
                };
                break;
            case FeedItem.Notice notice:
                var line = new V1.LineNotice { BatchId = notice.BatchId.ToString(), LineNumber = notice.LineNumber, EndToEndId = notice.EndToEndId, Reason = notice.Reason };
                switch (notice.Kind)
                {
                    case BankInstructions.Cancelled:
                        response.Cancel = line;
                        break;
                    case BankInstructions.Held:
                        response.Hold = line;
                        break;
                    default:
                        response.LiftHold = line;
                        break;
                }

                break;
        }

        return response;
    }

    private static V1.ConfirmationAnswer ToProto(ConfirmationAnswer answer)
    {
        var response = new V1.ConfirmationAnswer { Position = answer.Position, EndToEndId = FreeText.Echo(answer.Confirmation.EndToEndId, EndToEndIds.MaxLength) };
        switch (answer.Decision)
        {
            case ConfirmationDecision.Applied applied:
                (response.Result, response.AmountDiffers) = (V1.ConfirmationResult.Applied, applied.AmountDiffers);
                break;
            case ConfirmationDecision.AlreadyApplied:
                response.Result = V1.ConfirmationResult.AlreadyApplied;
                break;
            case ConfirmationDecision.Contradiction contradiction:
                response.Result = V1.ConfirmationResult.KeptForReview;
                response.Refusal = Refusals.FailedPrecondition("PAYMENT_STATE", response.EndToEndId, $"Kept for review, not applied: {contradiction.Reason}.");
                break;
            case ConfirmationDecision.UnknownLine:
                response.Result = V1.ConfirmationResult.UnknownLine;
                response.Refusal = Refusals.NotFound("interop.disbursement.v1.LineToPay", "end_to_end_id", "No line of a sealed batch assigned to this bank has that end-to-end id; the confirmation is counted, not applied.");
                break;
            case ConfirmationDecision.Invalid invalid:
                response.Result = V1.ConfirmationResult.Invalid;
                response.Refusal = Refusals.InvalidArgument("Confirmation refused; nothing was stored.", [new FieldIssue(invalid.Field, invalid.Reason)]);
                break;
        }

        return response;
    }
}
