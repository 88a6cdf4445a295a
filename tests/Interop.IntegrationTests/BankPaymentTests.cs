using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Disbursement.V1;
using Interop.IntegrationTests.Infrastructure;
using RegistryV1 = Interop.Contracts.Registry.V1;

namespace Interop.IntegrationTests;

/// <summary>
/// Story 4 of ../shared/DOMAIN.md, at test scale: BRI pulls its lines of a sealed batch and streams
/// its confirmations; the connection drops half way; BRI sends the rest again, overlapping what was
/// sent, and nothing is counted twice. Banks never see or confirm each other's lines.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class BankPaymentTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "bank_payments")
{
    private const int BriHouseholds = 24;
    private const int BniHouseholds = 8;

    private DisbursementBatchService.DisbursementBatchServiceClient Steward => new(Hub.Channel(Pki.Steward, purpose: "disbursement-issuing"));

    private PaymentService.PaymentServiceClient Bri => new(Hub.Channel(Pki.Bank, purpose: "disbursement-payment"));

    private PaymentService.PaymentServiceClient Bni => new(Hub.Channel(Pki.SecondBank, purpose: "disbursement-payment"));

    [Fact]
    public async Task Story_4_bri_confirms_its_lines_the_connection_drops_it_resends_overlapping_and_nothing_counts_twice()
    {
        var batch = await SealedBatchAsync("PKH-2026-S3-STORY4");
        var briLines = await PaymentSteps.LinesAsync(Bri);
        var bniLines = await PaymentSteps.LinesAsync(Bni);

        // Each bank streams exactly its own lines: what paying needs (name, account, amount), no NIK.
        Assert.Equal(BriHouseholds, briLines.Count);
        Assert.Equal(BniHouseholds, bniLines.Count);
        var all = await BatchLinesAsync(batch.BatchId);
        Assert.Equal(all.Where(line => line.Bank == "bri").Select(line => line.EndToEndId).Order(), briLines.Select(line => line.Pay.EndToEndId).Order());
        Assert.All(briLines, line => Assert.Equal(("Siti Rahmawati", "IDR"), (line.Pay.RecipientName, line.Pay.Currency)));
        Assert.All(briLines, line => Assert.StartsWith("0021", line.Pay.AccountNumber, StringComparison.Ordinal));
        Assert.Empty(briLines.Select(line => line.Pay.EndToEndId).Intersect(bniLines.Select(line => line.Pay.EndToEndId)));
        // Resumed from the middle, the stream sends the rest only.
        Assert.Equal(briLines.Skip(10).Select(line => line.Pay.EndToEndId), (await PaymentSteps.LinesAsync(Bri, briLines[9].Checkpoint)).Select(line => line.Pay.EndToEndId));

        // BRI sends the first 16 confirmations and the connection drops after some answers came back.
        var settled = briLines.Select(line => Settled(line.Pay)).ToList();
        using (var cut = new CancellationTokenSource())
        {
            using var call = Bri.ConfirmPayments(cancellationToken: cut.Token);
            foreach (var confirmation in settled.Take(16))
            {
                await call.RequestStream.WriteAsync(new ConfirmPaymentsRequest { Confirmations = { confirmation } });
            }

            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            await cut.CancelAsync();
        }

        // It sends again from the 9th on, overlapping what was sent, with a few of those twice more.
        var resend = settled.Skip(8).Concat(settled.Skip(8).Take(3)).ToList();
        var answers = await PaymentSteps.ConfirmAsync(Bri, resend);

        Assert.Equal(resend.Count, answers.Count);
        Assert.All(answers, answer => Assert.Contains(answer.Result, new[] { ConfirmationResult.Applied, ConfirmationResult.AlreadyApplied }));
        // The last three are resends within the same stream: already applied.
        Assert.All(answers.TakeLast(3), answer => Assert.Equal(ConfirmationResult.AlreadyApplied, answer.Result));
        // Lines 17 on were never sent before: applied now.
        Assert.All(answers.Skip(8).Take(BriHouseholds - 16), answer => Assert.Equal(ConfirmationResult.Applied, answer.Result));

        // The first 8 were sent once, before the cut: stored or not, sending them again settles every line exactly once.
        var again = await PaymentSteps.ConfirmAsync(Bri, settled.Take(8).ToList());
        Assert.All(again, answer => Assert.Contains(answer.Result, new[] { ConfirmationResult.Applied, ConfirmationResult.AlreadyApplied }));
        var after = await BatchLinesAsync(batch.BatchId);
        Assert.All(after.Where(line => line.Bank == "bri"), line => Assert.Equal((PaymentStatus.Settled, 1L, 0L), (line.PaymentStatus, line.ConfirmationsApplied, line.KeptForReview)));
        Assert.All(after.Where(line => line.Bank == "bni"), line => Assert.Equal((PaymentStatus.Unspecified, 0L), (line.PaymentStatus, line.ConfirmationsApplied)));
    }

    [Fact]
    public async Task A_bank_cannot_confirm_another_banks_line_a_contradiction_is_kept_aside_and_malformed_confirmations_name_the_field()
    {
        await SealedBatchAsync("PKH-2026-S3-REFUSALS");
        var bri = (await PaymentSteps.LinesAsync(Bri)).Select(line => line.Pay).ToList();
        var bni = (await PaymentSteps.LinesAsync(Bni)).Select(line => line.Pay).ToList();

        var answers = await PaymentSteps.ConfirmAsync(Bri,
        [
            Settled(bni[0]),
            Settled(bri[0]),
            new PaymentConfirmation { EndToEndId = bri[0].EndToEndId, Status = PaymentStatus.Rejected, ReasonCode = "AC04", Amount = bri[0].Amount, Currency = "IDR", BankReference = "BRI-REJ-1" },
            new PaymentConfirmation { EndToEndId = bri[0].EndToEndId, Status = PaymentStatus.Rejected, ReasonCode = "AC04", Amount = bri[0].Amount, Currency = "IDR", BankReference = "BRI-REJ-1" },
            new PaymentConfirmation { EndToEndId = bri[1].EndToEndId, Status = PaymentStatus.Rejected, Amount = bri[1].Amount, Currency = "IDR" },
            new PaymentConfirmation { EndToEndId = bri[1].EndToEndId, Status = PaymentStatus.Settled, Amount = bri[1].Amount, Currency = "USD" },
            new PaymentConfirmation { EndToEndId = bri[1].EndToEndId, Status = PaymentStatus.Settled, Amount = -5, Currency = "IDR" },
            new PaymentConfirmation { EndToEndId = "PKH26S3-FFFFFFFF-0000000001", Status = PaymentStatus.Settled, Amount = 1, Currency = "IDR" },
            new PaymentConfirmation { EndToEndId = "\u202eevil", Status = PaymentStatus.Settled, Amount = 1, Currency = "IDR" },
            Settled(bri[2], amount: bri[2].Amount - 50_000),
        ]);

        Assert.Equal(
            [
                ConfirmationResult.UnknownLine, ConfirmationResult.Applied, ConfirmationResult.KeptForReview, ConfirmationResult.KeptForReview,
                ConfirmationResult.Invalid, ConfirmationResult.Invalid, ConfirmationResult.Invalid, ConfirmationResult.UnknownLine, ConfirmationResult.Invalid, ConfirmationResult.Applied,
            ],
            answers.Select(answer => answer.Result));
        Assert.Equal((int)Code.NotFound, answers[0].Refusal.Code);
        Assert.Equal(["reason", "currency", "amount", "end_to_end_id"], answers.Where(a => a.Result == ConfirmationResult.Invalid).Select(a => a.Refusal.Details.Single().Unpack<BadRequest>().FieldViolations.Single().Field));
        Assert.True(answers[9].AmountDiffers);
        Assert.False(answers[1].AmountDiffers);

        var lines = await BatchLinesAsync((await PaymentSteps.LinesAsync(Bri))[0].Pay.BatchId);
        var first = lines.Single(line => line.EndToEndId == bri[0].EndToEndId);
        // Settled stays settled; the rejection that contradicts it is kept once, for review.
        Assert.Equal((PaymentStatus.Settled, 1L, 1L), (first.PaymentStatus, first.ConfirmationsApplied, first.KeptForReview));
        Assert.Equal((PaymentStatus.Unspecified, 0L), (lines.Single(line => line.EndToEndId == bri[1].EndToEndId).PaymentStatus, lines.Single(line => line.EndToEndId == bri[1].EndToEndId).ConfirmationsApplied));
        // BNI's line was not touched by BRI's confirmation.
        Assert.Equal(0, lines.Single(line => line.EndToEndId == bni[0].EndToEndId).ConfirmationsApplied);
    }

    [Fact]
    public async Task A_cancelled_line_reaches_its_bank_as_a_notice_after_its_checkpoint_and_lines_of_unsealed_batches_are_unknown()
    {
        var batch = await SealedBatchAsync("PKH-2026-S3-CANCEL");
        var bri = await PaymentSteps.LinesAsync(Bri);
        var checkpoint = bri[^1].Checkpoint;
        var line = bri[0].Pay;

        await Steward.CancelLineAsync(new CancelLineRequest { BatchId = batch.BatchId, LineNumber = line.LineNumber, Reason = "the household was found to be a duplicate" });

        var after = await new PaymentService.PaymentServiceClient(Hub.Channel(Pki.Bank, purpose: "disbursement-payment")).StreamLines(new StreamLinesRequest { AfterCheckpoint = checkpoint }).ResponseStream.ReadAllAsync().ToListAsync();
        var notice = Assert.Single(after);
        // In the hub's words: the steward's reason stays with the steward.
        Assert.Equal((line.EndToEndId, "the steward cancelled the line: do not pay it"), (notice.Cancel.EndToEndId, notice.Cancel.Reason));
        Assert.Empty(await new PaymentService.PaymentServiceClient(Hub.Channel(Pki.SecondBank, purpose: "disbursement-payment")).StreamLines(new StreamLinesRequest { AfterCheckpoint = checkpoint }).ResponseStream.ReadAllAsync().ToListAsync());
        // The bank pays the cancelled line anyway: the money moved, and the report says so.
        Assert.Equal(ConfirmationResult.Applied, (await PaymentSteps.ConfirmAsync(Bri, [Settled(line)])).Single().Result);
        var report = (await Steward.GetReconciliationReportAsync(new GetReconciliationReportRequest { BatchId = batch.BatchId })).Report;
        Assert.Equal(1, report.Rows.Where(row => row.Outcome == LineOutcome.PaidAsInstructed && row.Bank == "bri").Sum(row => row.Lines));
        Assert.Equal(0, report.Rows.Where(row => row.Outcome == LineOutcome.Cancelled).Sum(row => row.Lines));

        // A paid line is not cancelled.
        Assert.Equal(ConfirmationResult.Applied, (await PaymentSteps.ConfirmAsync(Bri, [Settled(bri[1].Pay)])).Single().Result);
        var paid = await Assert.ThrowsAsync<RpcException>(() => Steward.CancelLineAsync(new CancelLineRequest { BatchId = batch.BatchId, LineNumber = bri[1].Pay.LineNumber, Reason = "too late" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, paid.StatusCode);

        // A batch not sealed is not the banks' yet: not streamed, and its lines cannot be confirmed.
        var unsealed = (await Steward.IssueBatchAsync(PaymentSteps.Issue("PKH-2026-S4-UNSEALED", 4))).Batch;
        var unsealedLine = (await Steward.ListBatchLinesAsync(new ListBatchLinesRequest { BatchId = unsealed.BatchId })).Lines.First(l => l.Bank == "bri");
        Assert.Empty(await PaymentSteps.LinesAsync(Bri, checkpoint: after[^1].Checkpoint));
        Assert.Equal(ConfirmationResult.UnknownLine, (await PaymentSteps.ConfirmAsync(Bri, [new PaymentConfirmation { EndToEndId = unsealedLine.EndToEndId, Status = PaymentStatus.Settled, Amount = unsealedLine.Amount, Currency = "IDR" }])).Single().Result);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => PaymentSteps.LinesAsync(Bri, "12;DROP"))).StatusCode);
    }

    [Fact]
    public async Task A_long_stream_is_decided_in_the_order_sent_and_two_batches_of_a_round_issued_at_once_pay_nobody_twice()
    {
        for (var index = 0; index < 6; index++)
        {
            await PaymentSteps.FundedAsync(Hub, Pki, 1500 + index, Pki.Bank);
        }

        // Two stewards' officers issue the stage at the same moment under two references.
        var issued = await Task.WhenAll(
            Steward.IssueBatchAsync(PaymentSteps.Issue("PKH-2026-S3-DESK-A", 3)).ResponseAsync,
            Steward.IssueBatchAsync(PaymentSteps.Issue("PKH-2026-S3-DESK-B", 3)).ResponseAsync);
        Assert.Equal(6, issued.Sum(response => response.Batch.Totals.LineCount));
        var paying = issued.Single(response => response.Batch.Totals.LineCount == 6).Batch;
        await Steward.SealBatchAsync(new SealBatchRequest { BatchId = paying.BatchId, ControlTotals = paying.Totals, Reason = "agreed" });
        var line = (await PaymentSteps.LinesAsync(Bri))[0].Pay;

        // More than a commit's worth of confirmations: the settlement ends the first commit, its return opens the second.
        var malformed = Enumerable.Range(0, PaymentSteps.ConfirmationsPerCommit - 1).Select(_ => new PaymentConfirmation { EndToEndId = line.EndToEndId, Status = PaymentStatus.Settled, Amount = line.Amount, Currency = "USD" });
        var answers = await PaymentSteps.ConfirmAsync(Bri,
        [
            .. malformed,
            Settled(line),
            new PaymentConfirmation { EndToEndId = line.EndToEndId, Status = PaymentStatus.Returned, ReasonCode = "AC06", Amount = line.Amount, Currency = "IDR", BankReference = "BRI-RETURN-1" },
        ]);

        Assert.Equal([ConfirmationResult.Applied, ConfirmationResult.Applied], answers.TakeLast(2).Select(answer => answer.Result));
        var stored = (await BatchLinesAsync(paying.BatchId)).Single(l => l.EndToEndId == line.EndToEndId);
        Assert.Equal((PaymentStatus.Returned, 2L, 0L), (stored.PaymentStatus, stored.ConfirmationsApplied, stored.KeptForReview));

        // A message of more confirmations than the hub takes at once ends the stream with INVALID_ARGUMENT
        // naming the field; what came before it was answered and stored, nothing of it was.
        var other = (await PaymentSteps.LinesAsync(Bri))[1].Pay;
        using var call = Bri.ConfirmPayments();
        await call.RequestStream.WriteAsync(new ConfirmPaymentsRequest { Confirmations = { Settled(other) } });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var answered = Assert.Single(call.ResponseStream.Current.Answers);
        Assert.Equal((0L, ConfirmationResult.Applied), (answered.Position, answered.Result));
        await call.RequestStream.WriteAsync(new ConfirmPaymentsRequest { Confirmations = { Enumerable.Repeat(Settled(other, other.Amount - 1), PaymentSteps.ConfirmationsPerCommit + 1) } });
        var oversized = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, oversized.StatusCode);
        Assert.Equal("confirmations", oversized.GetRpcStatus()!.Details.Single().Unpack<BadRequest>().FieldViolations.Single().Field);
        var otherStored = (await BatchLinesAsync(paying.BatchId)).Single(l => l.EndToEndId == other.EndToEndId);
        Assert.Equal((PaymentStatus.Settled, 1L, 0L), (otherStored.PaymentStatus, otherStored.ConfirmationsApplied, otherStored.KeptForReview));
    }

    [Fact]
    public async Task Only_banks_stream_lines_and_a_bank_names_its_payment_purpose()
    {
        await SealedBatchAsync("PKH-2026-S3-ACCESS");

        var steward = await Assert.ThrowsAsync<RpcException>(() => new PaymentService.PaymentServiceClient(Hub.Channel(Pki.Steward, purpose: "disbursement-issuing")).StreamLines(new StreamLinesRequest()).ResponseStream.ReadAllAsync().ToListAsync().AsTask());
        var auditor = await Assert.ThrowsAsync<RpcException>(() => new PaymentService.PaymentServiceClient(Hub.Channel(Pki.Auditor)).StreamLines(new StreamLinesRequest()).ResponseStream.ReadAllAsync().ToListAsync().AsTask());
        var noPurpose = await Assert.ThrowsAsync<RpcException>(() => new PaymentService.PaymentServiceClient(Hub.Channel(Pki.Bank)).StreamLines(new StreamLinesRequest()).ResponseStream.ReadAllAsync().ToListAsync().AsTask());
        var opening = (await new PaymentService.PaymentServiceClient(Hub.Channel(Pki.Bank, purpose: "account-opening")).StreamLines(new StreamLinesRequest()).ResponseStream.ReadAllAsync().ToListAsync()).First();

        Assert.Equal([StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.PermissionDenied], new[] { steward.StatusCode, auditor.StatusCode, noPurpose.StatusCode });
        // Under the account-opening purpose the bank sees no account number: each purpose sees what it needs.
        Assert.Equal(string.Empty, opening.Pay.AccountNumber);
        Assert.NotEmpty(opening.Pay.RecipientName);
    }

    /// <summary>A sealed PKH batch: <see cref="BriHouseholds"/> households paid through BRI, <see cref="BniHouseholds"/> through BNI.</summary>
    private async Task<Batch> SealedBatchAsync(string reference)
    {
        for (var index = 0; index < BriHouseholds + BniHouseholds; index++)
        {
            await PaymentSteps.FundedAsync(Hub, Pki, 1400 + index, index < BriHouseholds ? Pki.Bank : Pki.SecondBank);
        }

        return await PaymentSteps.SealedBatchAsync(Hub, Pki, PaymentSteps.Issue(reference, 3));
    }

    private static PaymentConfirmation Settled(LineToPay line, long? amount = null) =>
        new() { EndToEndId = line.EndToEndId, Status = PaymentStatus.Settled, Amount = amount ?? line.Amount, Currency = "IDR", BankReference = $"BRI-{line.LineNumber:D8}" };

    private async Task<List<DisbursementLine>> BatchLinesAsync(string batchId) =>
        [.. (await Steward.ListBatchLinesAsync(new ListBatchLinesRequest { BatchId = batchId, PageSize = 1000 })).Lines];
}
