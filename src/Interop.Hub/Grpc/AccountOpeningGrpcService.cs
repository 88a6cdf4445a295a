using Grpc.Core;
using Interop.Hub.Disbursements.Accounts;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;
using Microsoft.AspNetCore.Authorization;
using V1 = Interop.Contracts.Disbursement.V1;

namespace Interop.Hub.Grpc;

/// <summary>Thin adapter for interop.disbursement.v1.AccountOpeningService.</summary>
internal sealed class AccountOpeningGrpcService(RecipientAccounts accounts, IngestStreams ingestStreams, StalledAnswers stalledAnswers)
    : V1.AccountOpeningService.AccountOpeningServiceBase
{
    [Authorize(Policy = PartnerAccess.IssueDisbursements)]
    [ReadsNoPersonalData]
    public override async Task<V1.RequestAccountsResponse> RequestAccounts(V1.RequestAccountsRequest request, ServerCallContext context)
    {
        var issues = new List<FieldIssue>();
        if (accounts.BankProblem(request.Bank) is { } bankProblem)
        {
            issues.Add(new("bank", bankProblem));
        }

        ProposalRules.RequireText(issues, "reason", request.Reason, AccountRules.MaxReasonLength);

        if (request.HouseholdIds.Count is 0 or > RecipientAccounts.MaxRequests)
        {
            issues.Add(new("household_ids", $"must list 1 to {RecipientAccounts.MaxRequests:N0} households"));
        }

        if (issues.Count > 0)
        {
            throw Refusals.InvalidArgument("Account requests refused; nothing was stored.", issues).ToRpcException();
        }

        var items = request.HouseholdIds.Select(id => new AccountRequestItem(Guid.TryParse(id, out var parsed) ? parsed : null)).ToList();
        var decisions = await accounts.RequestAsync(request.Bank, items, context.Partner().Actor, FreeText.Clean(request.Reason), request.ReplaceOpenedAccounts, context.CancellationToken);
        var response = new V1.RequestAccountsResponse();
        response.Outcomes.Add(request.HouseholdIds.Select((id, index) => RequestOutcome(id, index, decisions[index])));
        return response;
    }

    [Authorize(Policy = PartnerAccess.ConfirmDisbursements)]
    [ReadsPersonalData]
    public override async Task StreamAccountRequests(V1.StreamAccountRequestsRequest request, IServerStreamWriter<V1.StreamAccountRequestsResponse> responseStream, ServerCallContext context)
    {
        if (request.AfterSequence < 0)
        {
            throw Refusals.InvalidArgument("Account requests refused.", [new FieldIssue("after_sequence", "must be 0 or a sequence the stream sent")]).ToRpcException();
        }

        await foreach (var open in accounts.OpenRequestsAsync(context.Partner().Actor.PartnerId, request.AfterSequence, context.CancellationToken))
        {
            await responseStream.WriteAsync(
                new V1.StreamAccountRequestsResponse
                {
                    Sequence = open.Sequence,
                    HouseholdId = open.HouseholdId.ToString(),
                    Nik = open.Recipient.Nik,
                    FullName = open.Recipient.FullName,
                    BirthDate = new Google.Type.Date { Year = open.Recipient.BirthDate.Year, Month = open.Recipient.BirthDate.Month, Day = open.Recipient.BirthDate.Day },
                    AddressLine = open.AddressLine,
                    VillageCode = open.VillageCode,
                },
                context.CancellationToken);
        }
    }

    [Authorize(Policy = PartnerAccess.ConfirmDisbursements)]
    [ReadsNoPersonalData]
    public override async Task ReportAccounts(
        IAsyncStreamReader<V1.ReportAccountsRequest> requestStream, IServerStreamWriter<V1.ReportAccountsResponse> responseStream, ServerCallContext context)
    {
        var actor = context.Partner().Actor;
        using var slot = ingestStreams.Enter(actor.PartnerId);
        await accounts.ReportStreamAsync(
            requestStream.Mapped(ToDomain),
            actor,
            answers => stalledAnswers.WriteAsync(responseStream, answers.Select(ToProto).ToList(), context.CancellationToken),
            context.CancellationToken);
    }

    private static AccountReportItem ToDomain(V1.ReportAccountsRequest request) =>
        new(
            Guid.TryParse(request.HouseholdId, out var id) ? id : null,
            request.ResultCase switch
            {
                V1.ReportAccountsRequest.ResultOneofCase.Opened => new AccountReport.Opened(request.Nik, request.Opened.AccountNumber, request.Opened.CardNumber),
                V1.ReportAccountsRequest.ResultOneofCase.Refused => new AccountReport.Refused(request.Nik, request.Refused.ReasonCode),
                _ => new AccountReport.Missing(request.Nik),
            });

    private static V1.AccountRequestOutcome RequestOutcome(string sentId, int index, AccountDecision decision)
    {
        // Only an id the hub issued is repeated: whatever else was sent (a NIK by mistake) is not echoed.
        var outcome = new V1.AccountRequestOutcome { HouseholdId = Guid.TryParse(sentId, out var id) ? id.ToString() : string.Empty };
        switch (decision)
        {
            case AccountDecision.Recorded:
                outcome.Result = V1.AccountRequestResult.Requested;
                break;
            case AccountDecision.Already already:
                outcome.Result = already.Status == AccountStatus.Opened ? V1.AccountRequestResult.AlreadyOpened : V1.AccountRequestResult.AlreadyRequested;
                break;
            case AccountDecision.NotFound when !Guid.TryParse(sentId, out _):
                outcome.Result = V1.AccountRequestResult.Refused;
                outcome.Refusal = Refusals.InvalidArgument("Not an id the hub issued.", [new FieldIssue($"household_ids[{index}]", "must be a UUID as issued by the hub")]);
                break;
            case AccountDecision.NotFound:
                outcome.Result = V1.AccountRequestResult.Refused;
                outcome.Refusal = Refusals.NoHousehold($"household_ids[{index}]");
                break;
            case AccountDecision.NotAllowed notAllowed:
                outcome.Result = V1.AccountRequestResult.Refused;
                outcome.Refusal = Refusals.FailedPrecondition(Guid.Parse(sentId), notAllowed.Reason);
                break;
            default:
                throw new InvalidOperationException($"A request decides no {decision.GetType().Name}.");
        }

        return outcome;
    }

    private static V1.ReportAccountsResponse ToProto(AccountReportAnswer answer)
    {
        var response = new V1.ReportAccountsResponse { Position = answer.Position, HouseholdId = answer.HouseholdId?.ToString() ?? string.Empty };
        switch (answer.Decision)
        {
            case AccountDecision.Recorded:
                response.Result = V1.AccountReportResult.Recorded;
                break;
            case AccountDecision.Already:
                response.Result = V1.AccountReportResult.AlreadyRecorded;
                break;
            case AccountDecision.Invalid invalid:
                response.Result = V1.AccountReportResult.Refused;
                response.Refusal = Refusals.InvalidArgument("Report refused; nothing was stored.", invalid.Violations);
                break;
            case AccountDecision.NotFound when answer.HouseholdId is null:
                response.Result = V1.AccountReportResult.Refused;
                response.Refusal = Refusals.InvalidArgument("Report refused; nothing was stored.", [new FieldIssue("household_id", "must be a UUID as issued by the hub")]);
                break;
            case AccountDecision.NotFound:
                response.Result = V1.AccountReportResult.Refused;
                response.Refusal = Refusals.NotFound("interop.disbursement.v1.AccountRequest", "household_id", "This bank was sent no account request for that household and person.");
                break;
            case AccountDecision.NotAllowed notAllowed:
                response.Result = V1.AccountReportResult.Refused;
                response.Refusal = Refusals.FailedPrecondition(answer.HouseholdId!.Value, notAllowed.Reason);
                break;
        }

        return response;
    }
}
