using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Disbursement.V1;
using Interop.IntegrationTests.Infrastructure;
using RegistryV1 = Interop.Contracts.Registry.V1;
using Round = Interop.Contracts.Disbursement.V1.Program;

namespace Interop.IntegrationTests;

/// <summary>
/// Story 3 of ../shared/DOMAIN.md: the ministry ratifies, enrols households in PKH, and issues the
/// stage-3 batch from the registry as it stood at the cut-off, with lines assigned to BRI and BNI;
/// the batch is sealed only on exact control totals, and a sealed batch's line can only be cancelled.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class DisbursementBatchTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "disbursement_batches")
{
    private DisbursementBatchService.DisbursementBatchServiceClient Steward => new(Hub.Channel(Pki.Steward, purpose: "disbursement-issuing"));

    [Fact]
    public async Task Story_3_the_stage_3_batch_pays_the_households_owed_at_the_cut_off_through_bri_and_bni()
    {
        var elderly = await PaymentSteps.EnrolInPkhAsync(Hub, Pki, await HouseholdSteps.ActiveAsync(Hub, Pki, 1101), RegistryV1.PkhComponent.Elderly);
        var schoolchildren = await PaymentSteps.EnrolInPkhAsync(Hub, Pki, await HouseholdSteps.ActiveAsync(Hub, Pki, 1102), RegistryV1.PkhComponent.PrimarySchoolChild, RegistryV1.PkhComponent.SeniorHighChild);
        var noAccount = await PaymentSteps.EnrolInPkhAsync(Hub, Pki, await HouseholdSteps.ActiveAsync(Hub, Pki, 1103), RegistryV1.PkhComponent.Elderly);
        var deactivated = await PaymentSteps.EnrolInPkhAsync(Hub, Pki, await HouseholdSteps.ActiveAsync(Hub, Pki, 1104), RegistryV1.PkhComponent.Elderly);
        var notEnrolled = await HouseholdSteps.ActiveAsync(Hub, Pki, 1105);
        await PaymentSteps.OpenAccountAsync(Hub, Pki, Pki.Bank, "bri", elderly, "002101000110101");
        await PaymentSteps.OpenAccountAsync(Hub, Pki, Pki.SecondBank, "bni", schoolchildren, "0110201234");
        await PaymentSteps.OpenAccountAsync(Hub, Pki, Pki.Bank, "bri", deactivated, "002101000110404");
        await PaymentSteps.OpenAccountAsync(Hub, Pki, Pki.Bank, "bri", notEnrolled, "002101000110505");
        deactivated = await HouseholdSteps.GetAsync(Hub, Pki, deactivated.HouseholdId);
        await HouseholdSteps.ChangeAsync(Hub.Registry(Pki.Steward), deactivated, "family moved abroad", new RegistryV1.ChangeHouseholdRequest { DeactivateHousehold = new RegistryV1.DeactivateHousehold() });
        var cutOff = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        // After the cut-off: the first household leaves PKH and the third gets its account. Neither changes what was owed.
        elderly = await HouseholdSteps.GetAsync(Hub, Pki, elderly.HouseholdId);
        await HouseholdSteps.ChangeAsync(Hub.Registry(Pki.Steward), elderly, "graduated", new RegistryV1.ChangeHouseholdRequest { ExitProgram = new RegistryV1.ExitProgram { Program = RegistryV1.Program.Pkh } });
        await PaymentSteps.OpenAccountAsync(Hub, Pki, Pki.Bank, "bri", noAccount, "002101000110303");

        var batch = (await Steward.IssueBatchAsync(Issue("PKH-2026-S3-JABAR", 3, cutOff))).Batch;

        Assert.Equal((BatchStatus.Issued, Round.Pkh, 2026, 3), (batch.Status, batch.Program, batch.Year, batch.Stage));
        // 2,400,000 / 4 for the elderly; (900,000 + 2,000,000) / 4 for the schoolchildren.
        Assert.Equal(new ControlTotals { LineCount = 2, Amount = 600_000 + 725_000 }, batch.Totals);
        var lines = await LinesAsync(Steward, batch.BatchId);
        Assert.Equal(
            new[] { (elderly.HouseholdId, "bri", "002101000110101", 600_000L), (schoolchildren.HouseholdId, "bni", "0110201234", 725_000L) }.OrderBy(line => line.Item1, StringComparer.Ordinal),
            lines.Select(line => (line.HouseholdId, line.Bank, line.AccountNumber, line.Amount)).OrderBy(line => line.HouseholdId, StringComparer.Ordinal));
        Assert.Equal([1L, 2], lines.Select(line => line.LineNumber));
        Assert.All(lines, line =>
        {
            Assert.Matches($"^PKH26S3-{batch.BatchId.Replace("-", string.Empty, StringComparison.Ordinal)[..8].ToUpperInvariant()}-000000000{line.LineNumber}$", line.EndToEndId);
            Assert.Equal(("Siti Rahmawati", "32.73"), (line.RecipientName, line.RegencyCode));
        });
        // Left out, with why; the household never enrolled is not a candidate at all.
        Assert.Equal(
            [("the household is deactivated, not active", 1L), ("the recipient has no account at a paying bank yet", 1L)],
            batch.LeftOut.Select(left => (left.Reason, left.Households)).Order());

        // Sealed only on exact totals, and only once.
        var wrongCount = await RefusedAsync(() => Steward.SealBatchAsync(Seal(batch.BatchId, 3, 1_325_000)).ResponseAsync);
        var wrongAmount = await RefusedAsync(() => Steward.SealBatchAsync(Seal(batch.BatchId, 2, 1_325_001)).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "control_totals.line_count"), (wrongCount.StatusCode, FieldOf(wrongCount)));
        Assert.Equal((StatusCode.InvalidArgument, "control_totals.amount"), (wrongAmount.StatusCode, FieldOf(wrongAmount)));
        Assert.Equal(BatchStatus.Issued, (await Steward.GetBatchAsync(new GetBatchRequest { BatchId = batch.BatchId })).Batch.Status);
        var sealedBatch = (await Steward.SealBatchAsync(Seal(batch.BatchId, 2, 1_325_000))).Batch;
        Assert.Equal(BatchStatus.Sealed, sealedBatch.Status);
        Assert.Equal(sealedBatch, (await Steward.SealBatchAsync(Seal(batch.BatchId, 2, 1_325_000))).Batch);
        Assert.Equal(StatusCode.FailedPrecondition, (await RefusedAsync(() => Steward.SealBatchAsync(Seal(batch.BatchId, 2, 1_325_001)).ResponseAsync)).StatusCode);

        // The same reference and request answers the batch; another request under it is refused.
        Assert.Equal(sealedBatch, (await Steward.IssueBatchAsync(Issue("PKH-2026-S3-JABAR", 3, cutOff))).Batch);
        Assert.Equal(StatusCode.AlreadyExists, (await RefusedAsync(() => Steward.IssueBatchAsync(Issue("PKH-2026-S3-JABAR", 2, cutOff)).ResponseAsync)).StatusCode);
        // A second batch of the round pays the household whose account came after the first cut-off, and nobody twice.
        var second = (await Steward.IssueBatchAsync(Issue("PKH-2026-S3-JABAR-2", 3, DateTimeOffset.UtcNow))).Batch;
        Assert.Equal([(noAccount.HouseholdId, 600_000L)], (await LinesAsync(Steward, second.BatchId)).Select(line => (line.HouseholdId, line.Amount)));
        // (The first household left PKH before this cut-off: not a candidate at all.)
        Assert.Contains(second.LeftOut, left => left.Reason == "the household has a line in another batch of PKH 2026 stage 3 already" && left.Households == 1);
        Assert.Equal(StatusCode.InvalidArgument, (await RefusedAsync(() => Steward.SealBatchAsync(Seal(second.BatchId, 0, 0)).ResponseAsync)).StatusCode);

        // The registry moved on; the batch's lines did not.
        Assert.Equal(lines, await LinesAsync(Steward, batch.BatchId));
    }

    [Fact]
    public async Task A_sealed_batchs_unpaid_line_is_cancelled_with_a_reason_and_only_then()
    {
        var household = await PaymentSteps.EnrolInBpntAsync(Hub, Pki, await HouseholdSteps.ActiveAsync(Hub, Pki, 1201));
        await PaymentSteps.OpenAccountAsync(Hub, Pki, Pki.Bank, "bri", household, "002101000120101");
        var batch = (await Steward.IssueBatchAsync(Issue("BPNT-2026-S1-CANCEL", 1, DateTimeOffset.UtcNow, Round.Bpnt))).Batch;
        var line = (await LinesAsync(Steward, batch.BatchId)).Single(line => line.HouseholdId == household.HouseholdId);

        var unsealed = await RefusedAsync(() => Steward.CancelLineAsync(Cancel(batch.BatchId, line.LineNumber)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, unsealed.StatusCode);
        await Steward.SealBatchAsync(Seal(batch.BatchId, batch.Totals.LineCount, batch.Totals.Amount));

        var noReason = await RefusedAsync(() => Steward.CancelLineAsync(Cancel(batch.BatchId, line.LineNumber, "\u200b")).ResponseAsync);
        var noLine = await RefusedAsync(() => Steward.CancelLineAsync(Cancel(batch.BatchId, batch.Totals.LineCount + 1)).ResponseAsync);
        var noBatch = await RefusedAsync(() => Steward.CancelLineAsync(Cancel(Guid.NewGuid().ToString(), 1)).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "reason"), (noReason.StatusCode, FieldOf(noReason)));
        Assert.Equal([StatusCode.NotFound, StatusCode.NotFound], new[] { noLine.StatusCode, noBatch.StatusCode });

        var cancelled = (await Steward.CancelLineAsync(Cancel(batch.BatchId, line.LineNumber))).Batch;
        Assert.Equal(1, cancelled.CancelledLines);
        Assert.Equal(cancelled, (await Steward.CancelLineAsync(Cancel(batch.BatchId, line.LineNumber))).Batch);
        Assert.Equal("the recipient died before the stage was paid", (await LinesAsync(Steward, batch.BatchId)).Single(l => l.LineNumber == line.LineNumber).CancellationReason);
        // Cancelling changes no total: the line stays in the batch, cancelled.
        Assert.Equal(batch.Totals, cancelled.Totals);
    }

    [Fact]
    public async Task Only_the_steward_issues_and_account_numbers_show_only_for_its_disbursement_purpose()
    {
        var household = await PaymentSteps.EnrolInBpntAsync(Hub, Pki, await HouseholdSteps.ActiveAsync(Hub, Pki, 1301));
        await PaymentSteps.OpenAccountAsync(Hub, Pki, Pki.Bank, "bri", household, "002101000130101");
        var batch = (await Steward.IssueBatchAsync(Issue("BPNT-2026-S4", 4, DateTimeOffset.UtcNow, Round.Bpnt))).Batch;

        var bank = await RefusedAsync(() => new DisbursementBatchService.DisbursementBatchServiceClient(Hub.Channel(Pki.Bank, purpose: "disbursement-payment")).GetBatchAsync(new GetBatchRequest { BatchId = batch.BatchId }).ResponseAsync);
        var bandung = await RefusedAsync(() => new DisbursementBatchService.DisbursementBatchServiceClient(Hub.Channel(Pki.Bandung)).IssueBatchAsync(Issue("X", 1, DateTimeOffset.UtcNow)).ResponseAsync);
        var auditor = await RefusedAsync(() => new DisbursementBatchService.DisbursementBatchServiceClient(Hub.Channel(Pki.Auditor)).GetBatchAsync(new GetBatchRequest { BatchId = batch.BatchId }).ResponseAsync);
        Assert.All(new[] { bank, bandung, auditor }, refusal => Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode));

        var asSteward = await LinesAsync(new DisbursementBatchService.DisbursementBatchServiceClient(Hub.Channel(Pki.Steward, purpose: "registry-stewardship")), batch.BatchId);
        var forPayments = await LinesAsync(Steward, batch.BatchId);
        Assert.Equal(string.Empty, asSteward.Single(line => line.HouseholdId == household.HouseholdId).AccountNumber);
        Assert.Equal("002101000130101", forPayments.Single(line => line.HouseholdId == household.HouseholdId).AccountNumber);
    }

    [Fact]
    public async Task A_batch_request_that_names_no_round_or_a_future_cut_off_is_refused_field_by_field()
    {
        var refusal = await RefusedAsync(() => Steward.IssueBatchAsync(new IssueBatchRequest
        {
            BatchReference = "bad reference!",
            Program = Round.Pkh,
            Year = 2026,
            Stage = 5,
            CutOffTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)),
            PaymentDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Reason = string.Empty,
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
        Assert.Equal(
            ["batch_reference", "stage", "cut_off_time", "payment_deadline", "reason"],
            refusal.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(violation => violation.Field));
        var noRound = await RefusedAsync(() => Steward.IssueBatchAsync(new IssueBatchRequest { BatchReference = "R", Year = 2026, Stage = 1, Reason = "x" }).ResponseAsync);
        Assert.Equal(["program", "cut_off_time", "payment_deadline"], noRound.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(violation => violation.Field));
    }

    private static IssueBatchRequest Issue(string reference, int stage, DateTimeOffset cutOff, Round program = Round.Pkh) =>
        new()
        {
            BatchReference = reference,
            Program = program,
            Year = 2026,
            Stage = stage,
            CutOffTime = Timestamp.FromDateTimeOffset(cutOff),
            PaymentDeadline = Timestamp.FromDateTimeOffset(cutOff.AddDays(30)),
            Reason = $"Decree 2026/{stage}: PKH stage {stage} for West Java",
        };

    private static SealBatchRequest Seal(string batchId, long lines, long amount) =>
        new() { BatchId = batchId, ControlTotals = new ControlTotals { LineCount = lines, Amount = amount }, Reason = "totals agreed with the budget office" };

    private static CancelLineRequest Cancel(string batchId, long lineNumber, string reason = "the recipient died before the stage was paid") =>
        new() { BatchId = batchId, LineNumber = lineNumber, Reason = reason };

    private static async Task<List<DisbursementLine>> LinesAsync(DisbursementBatchService.DisbursementBatchServiceClient client, string batchId)
    {
        var lines = new List<DisbursementLine>();
        var token = string.Empty;
        do
        {
            var page = await client.ListBatchLinesAsync(new ListBatchLinesRequest { BatchId = batchId, PageSize = 1, PageToken = token });
            lines.AddRange(page.Lines);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return lines;
    }

    private static Task<RpcException> RefusedAsync(Func<Task> call) => Assert.ThrowsAsync<RpcException>(call);

    private static string FieldOf(RpcException refusal) => refusal.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Field;
}
