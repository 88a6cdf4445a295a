using Grpc.Core;
using Interop.Contracts.Disbursement.V1;
using Interop.Contracts.Registry.V1;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>What a household needs before a batch pays it, as the partners do it: enrolment by the steward, an account opened by its bank.</summary>
public static class PaymentSteps
{
    /// <summary>The steward enrols the household in PKH for the components given.</summary>
    public static Task<Household> EnrolInPkhAsync(RunningHub hub, TestPki pki, Household household, params PkhComponent[] components) =>
        HouseholdSteps.ChangeAsync(hub.Registry(pki.Steward), household, "PKH enrolment decree 2026", new ChangeHouseholdRequest
        {
            EnrollInProgram = new EnrollInProgram { Membership = new ProgramMembership { Program = Interop.Contracts.Registry.V1.Program.Pkh, Components = { components } } },
        });

    /// <summary>How many confirmations of a stream the hub decides in one commit.</summary>
    public static int ConfirmationsPerCommit => Interop.Hub.Disbursements.Confirmations.PaymentConfirmations.Limits.BatchSize;

    /// <summary>The steward enrols the household in BPNT (Sembako).</summary>
    public static Task<Household> EnrolInBpntAsync(RunningHub hub, TestPki pki, Household household) =>
        HouseholdSteps.ChangeAsync(hub.Registry(pki.Steward), household, "BPNT enrolment decree 2026", new ChangeHouseholdRequest
        {
            EnrollInProgram = new EnrollInProgram { Membership = new ProgramMembership { Program = Interop.Contracts.Registry.V1.Program.Bpnt } },
        });

    /// <summary>The steward asks the bank for the recipient's account (the head, in the test households), and the bank reports it opened.</summary>
    public static async Task OpenAccountAsync(RunningHub hub, TestPki pki, System.Security.Cryptography.X509Certificates.X509Certificate2 bank, string bankId, Household household, string accountNumber)
    {
        var steward = new AccountOpeningService.AccountOpeningServiceClient(hub.Channel(pki.Steward, purpose: "disbursement-issuing"));
        var asked = await steward.RequestAccountsAsync(new RequestAccountsRequest { Bank = bankId, Reason = "PKH 2026 recipients", HouseholdIds = { household.HouseholdId } });
        Assert.Equal(AccountRequestResult.Requested, asked.Outcomes.Single().Result);
        using var call = new AccountOpeningService.AccountOpeningServiceClient(hub.Channel(bank, purpose: "account-opening")).ReportAccounts();
        await call.RequestStream.WriteAsync(new ReportAccountsRequest
        {
            HouseholdId = household.HouseholdId,
            Nik = household.Members[0].Nik,
            Opened = new AccountOpened { AccountNumber = accountNumber },
        });
        await call.RequestStream.CompleteAsync();
        Assert.Equal(AccountReportResult.Recorded, (await call.ResponseStream.ReadAllAsync().SingleAsync()).Result);
    }

    /// <summary>An active household of Kota Bandung enrolled in PKH for its elderly member (Rp 600,000 a stage), its head's account opened at the bank.</summary>
    public static async Task<Household> FundedAsync(RunningHub hub, TestPki pki, int serial, System.Security.Cryptography.X509Certificates.X509Certificate2 bank)
    {
        var bankId = Interop.Hub.Partners.PartnerIdentity.FromCertificate(bank)!.PartnerId;
        var household = await EnrolInPkhAsync(hub, pki, await HouseholdSteps.ActiveAsync(hub, pki, serial), PkhComponent.Elderly);
        await OpenAccountAsync(hub, pki, bank, bankId, household, bankId == "bri" ? $"0021010001{serial:D5}" : $"01102{serial:D5}");
        return await HouseholdSteps.GetAsync(hub, pki, household.HouseholdId);
    }

    /// <summary>The steward's request for a PKH 2026 batch of the stage, cut off now unless told.</summary>
    public static IssueBatchRequest Issue(string reference, int stage, DateTimeOffset? deadline = null, DateTimeOffset? cutOff = null)
    {
        var from = cutOff ?? DateTimeOffset.UtcNow;
        return new()
        {
            BatchReference = reference,
            Program = Interop.Contracts.Disbursement.V1.Program.Pkh,
            Year = 2026,
            Stage = stage,
            CutOffTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(from),
            PaymentDeadline = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(deadline ?? from.AddDays(30)),
            Reason = "PKH 2026 stage decree",
        };
    }

    /// <summary>The steward issues the batch and seals it on its own totals.</summary>
    public static async Task<Batch> SealedBatchAsync(RunningHub hub, TestPki pki, IssueBatchRequest request)
    {
        var steward = new DisbursementBatchService.DisbursementBatchServiceClient(hub.Channel(pki.Steward, purpose: "disbursement-issuing"));
        var batch = (await steward.IssueBatchAsync(request)).Batch;
        return (await steward.SealBatchAsync(new SealBatchRequest { BatchId = batch.BatchId, ControlTotals = batch.Totals, Reason = "agreed with the budget office" })).Batch;
    }

    /// <summary>A bank's feed after a checkpoint, read to its end.</summary>
    public static async Task<List<StreamLinesResponse>> LinesAsync(PaymentService.PaymentServiceClient bank, string checkpoint = "") =>
        await bank.StreamLines(new StreamLinesRequest { AfterCheckpoint = checkpoint }).ResponseStream.ReadAllAsync().ToListAsync();

    /// <summary>A bank's confirmations in one stream, as many a message as the hub takes, and the hub's answers one by one.</summary>
    public static async Task<List<ConfirmationAnswer>> ConfirmAsync(PaymentService.PaymentServiceClient bank, IReadOnlyList<PaymentConfirmation> confirmations)
    {
        using var call = bank.ConfirmPayments();
        foreach (var group in confirmations.Chunk(ConfirmationsPerCommit))
        {
            await call.RequestStream.WriteAsync(new ConfirmPaymentsRequest { Confirmations = { group } });
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseStream.ReadAllAsync().SelectMany(response => response.Answers.ToAsyncEnumerable()).ToListAsync();
    }
}
