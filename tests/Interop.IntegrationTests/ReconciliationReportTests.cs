using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Interop.Contracts.Disbursement.V1;
using Interop.IntegrationTests.Infrastructure;
using RegistryV1 = Interop.Contracts.Registry.V1;

namespace Interop.IntegrationTests;

/// <summary>
/// Story 5 of ../shared/DOMAIN.md: the reconciliation report shows paid, failed, unconfirmed, amount
/// mismatches, duplicates and unknown lines, per bank and region, and matches a count done by hand;
/// and (item 4 of the disbursement issue) a change of the registry after the cut-off holds the lines.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class ReconciliationReportTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "reconciliation_report")
{
    private const long Quarter = 600_000;

    private DisbursementBatchService.DisbursementBatchServiceClient Steward => new(Hub.Channel(Pki.Steward, purpose: "disbursement-issuing"));

    private PaymentService.PaymentServiceClient Bri => new(Hub.Channel(Pki.Bank, purpose: "disbursement-payment"));

    private PaymentService.PaymentServiceClient Bni => new(Hub.Channel(Pki.SecondBank, purpose: "disbursement-payment"));

    [Fact]
    public async Task Story_5_the_report_by_bank_region_and_outcome_matches_a_count_done_by_hand_and_any_past_moment_is_rebuilt()
    {
        // Nine households paid through BRI (three of them moved to Kabupaten Bandung, 32.04), five through BNI.
        var bri = new List<RegistryV1.Household>();
        for (var index = 0; index < 9; index++)
        {
            var household = await FundedAsync(1600 + index, Pki.Bank, "bri");
            if (index >= 6)
            {
                household = await HouseholdSteps.ChangeAsync(Hub.Registry(Pki.Steward), household, "moved to Cileunyi", new RegistryV1.ChangeHouseholdRequest
                {
                    ChangeAddress = new RegistryV1.ChangeAddress { VillageCode = "32.04.05.2001", AddressLine = "Jl. Cileunyi No. 5" },
                });
            }

            bri.Add(household);
        }

        var bni = new List<RegistryV1.Household>();
        for (var index = 0; index < 5; index++)
        {
            bni.Add(await FundedAsync(1700 + index, Pki.SecondBank, "bni"));
        }

        var batch = await SealAsync("PKH-2026-S3-STORY5", DateTimeOffset.UtcNow.AddDays(30));
        var lines = (await Steward.ListBatchLinesAsync(new ListBatchLinesRequest { BatchId = batch.BatchId, PageSize = 100 })).Lines.ToDictionary(line => line.HouseholdId);
        LineToPay Line(RegistryV1.Household household) => ToPay(lines[household.HouseholdId]);
        var prefix = lines.Values.First().EndToEndId[..^10];

        // The first round of confirmations, then a moment, then the rest.
        await PaymentSteps.ConfirmAsync(Bri, [Settled(Line(bri[0])), Settled(Line(bri[1]), Quarter - 50_000), Rejected(Line(bri[2]), "AC04"), Rejected(Line(bri[3]), "MD07"), Pending(Line(bri[4]))]);
        await PaymentSteps.ConfirmAsync(Bni, [Settled(Line(bni[0])), Settled(Line(bni[1])), Rejected(Line(bni[2]), "AC01")]);
        await Task.Delay(100);
        var moment = DateTimeOffset.UtcNow;
        await Task.Delay(100);
        await PaymentSteps.ConfirmAsync(Bri,
        [
            Settled(Line(bri[5])),
            new PaymentConfirmation(Settled(Line(bri[5]))) { BankReference = "BRI-SECOND-CREDIT" },
            Settled(Line(bri[6])),
            Settled(Line(bri[7])),
            Returned(Line(bri[7]), "AC06"),
            new PaymentConfirmation { EndToEndId = prefix + "0000009999", Status = PaymentStatus.Settled, Amount = Quarter, Currency = "IDR" },
            new PaymentConfirmation { EndToEndId = prefix + "0000009999", Status = PaymentStatus.Settled, Amount = Quarter, Currency = "IDR" },
            // BNI's line, confirmed by BRI: not BRI's to confirm.
            Settled(Line(bni[3])),
        ]);
        await Steward.CancelLineAsync(new CancelLineRequest { BatchId = batch.BatchId, LineNumber = lines[bni[4].HouseholdId].LineNumber, Reason = "recipient moved abroad" });

        var report = (await Steward.GetReconciliationReportAsync(new GetReconciliationReportRequest { BatchId = batch.BatchId })).Report;

        // The count by hand: each household's expected outcome and amounts, from what this test sent.
        var byHand = new List<(string Bank, string Regency, LineOutcome Outcome, long Instructed, long Moved)>
        {
            ("bri", "32.73", LineOutcome.PaidAsInstructed, Quarter, Quarter),
            ("bri", "32.73", LineOutcome.AmountDiffers, Quarter, Quarter - 50_000),
            ("bri", "32.73", LineOutcome.Rejected, Quarter, 0),
            ("bri", "32.73", LineOutcome.Rejected, Quarter, 0),
            ("bri", "32.73", LineOutcome.Pending, Quarter, 0),
            ("bri", "32.73", LineOutcome.PaidAsInstructed, Quarter, Quarter),
            ("bri", "32.04", LineOutcome.PaidAsInstructed, Quarter, Quarter),
            ("bri", "32.04", LineOutcome.Returned, Quarter, 0),
            ("bri", "32.04", LineOutcome.Unconfirmed, Quarter, 0),
            ("bni", "32.73", LineOutcome.PaidAsInstructed, Quarter, Quarter),
            ("bni", "32.73", LineOutcome.PaidAsInstructed, Quarter, Quarter),
            ("bni", "32.73", LineOutcome.Rejected, Quarter, 0),
            ("bni", "32.73", LineOutcome.Unconfirmed, Quarter, 0),
            ("bni", "32.73", LineOutcome.Cancelled, Quarter, 0),
        };
        var expected = byHand
            .GroupBy(line => (line.Bank, line.Regency, line.Outcome))
            .Select(group => (group.Key.Bank, group.Key.Regency, group.Key.Outcome, Lines: (long)group.Count(), Instructed: group.Sum(line => line.Instructed), Moved: group.Sum(line => line.Moved)))
            .Order()
            .ToList();
        Assert.Equal(expected, report.Rows.Select(row => (row.Bank, row.RegencyCode, row.Outcome, row.Lines, row.InstructedAmount, row.MovedAmount)).Order());
        Assert.All(report.Rows, row => Assert.Equal("32", row.ProvinceCode));
        Assert.Equal(batch.Totals, report.ControlTotals);
        Assert.Equal(report.ControlTotals, report.Counted);
        Assert.Equal((14L, 14 * Quarter), (report.Rows.Sum(row => row.Lines), report.Rows.Sum(row => row.InstructedAmount)));
        Assert.Equal([("AC01", 1L), ("AC04", 1L), ("MD07", 1L)], report.RejectedByReason.Select(reason => (reason.ReasonCode, reason.Lines)));
        Assert.Equal(1, report.ConfirmedTwice);
        // BRI's confirmations for no line of its own: the unknown line (sent twice, counted once) and BNI's line; BNI sent none.
        Assert.Equal([("bri", 2L)], report.UnknownConfirmations.Select(count => (count.Bank, count.Confirmations)));

        // As of the moment between the rounds: only the first round, rebuilt from the lines' events.
        var then = (await Steward.GetReconciliationReportAsync(new GetReconciliationReportRequest { BatchId = batch.BatchId, AsOfTime = Timestamp.FromDateTimeOffset(moment) })).Report;
        Assert.Equal(report.ControlTotals, then.Counted);
        Assert.Equal(
            [(LineOutcome.PaidAsInstructed, 3L), (LineOutcome.AmountDiffers, 1L), (LineOutcome.Rejected, 3L), (LineOutcome.Pending, 1L), (LineOutcome.Unconfirmed, 6L)],
            then.Rows.GroupBy(row => row.Outcome).Select(group => (group.Key, group.Sum(row => row.Lines))).OrderBy(pair => pair.Key));
        Assert.Equal(0, then.ConfirmedTwice);
        Assert.Empty(then.UnknownConfirmations);
    }

    [Fact]
    public async Task Lines_not_settled_by_the_deadline_are_overdue_and_a_report_needs_a_sealed_batch_and_a_moment_since()
    {
        var first = await FundedAsync(1801, Pki.Bank, "bri");
        var second = await FundedAsync(1802, Pki.Bank, "bri");
        var unsealed = (await Steward.IssueBatchAsync(Issue("PKH-2026-S2-OPEN", 2, DateTimeOffset.UtcNow.AddDays(1)))).Batch;
        var notSealed = await Assert.ThrowsAsync<RpcException>(() => Steward.GetReconciliationReportAsync(new GetReconciliationReportRequest { BatchId = unsealed.BatchId }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, notSealed.StatusCode);

        var deadline = DateTimeOffset.UtcNow.AddSeconds(4);
        var batch = await SealAsync("PKH-2026-S3-DEADLINE", deadline);
        var lines = (await Steward.ListBatchLinesAsync(new ListBatchLinesRequest { BatchId = batch.BatchId })).Lines;
        await PaymentSteps.ConfirmAsync(Bri, [Pending(ToPay(lines.Single(line => line.HouseholdId == first.HouseholdId)))]);
        var before = (await Steward.GetReconciliationReportAsync(new GetReconciliationReportRequest { BatchId = batch.BatchId })).Report;
        var wait = deadline - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait + TimeSpan.FromMilliseconds(200));
        }

        var after = (await Steward.GetReconciliationReportAsync(new GetReconciliationReportRequest { BatchId = batch.BatchId })).Report;

        Assert.Equal([LineOutcome.Pending, LineOutcome.Unconfirmed], before.Rows.Select(row => row.Outcome).Order());
        Assert.Equal([(LineOutcome.OverdueUnconfirmed, 2L)], after.Rows.Select(row => (row.Outcome, row.Lines)));
        var beforeSealing = await Assert.ThrowsAsync<RpcException>(() => Steward.GetReconciliationReportAsync(new GetReconciliationReportRequest { BatchId = batch.BatchId, AsOfTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)) }).ResponseAsync);
        var toCome = await Assert.ThrowsAsync<RpcException>(() => Steward.GetReconciliationReportAsync(new GetReconciliationReportRequest { BatchId = batch.BatchId, AsOfTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)) }).ResponseAsync);
        var noBatch = await Assert.ThrowsAsync<RpcException>(() => Steward.GetReconciliationReportAsync(new GetReconciliationReportRequest { BatchId = Guid.NewGuid().ToString() }).ResponseAsync);
        Assert.Equal([StatusCode.OutOfRange, StatusCode.OutOfRange, StatusCode.NotFound], new[] { beforeSealing.StatusCode, toCome.StatusCode, noBatch.StatusCode });
        Assert.Equal(second.HouseholdId, lines.Single(line => line.HouseholdId != first.HouseholdId).HouseholdId);
    }

    [Fact]
    public async Task A_death_after_the_cut_off_holds_the_unpaid_line_in_the_same_change_and_the_bank_is_told()
    {
        var diesBeforeSealing = await FundedAsync(1901, Pki.Bank, "bri");
        var diesAfter = await FundedAsync(1902, Pki.Bank, "bri");
        var deactivatedAfter = await FundedAsync(1903, Pki.Bank, "bri");
        var paidThenDies = await FundedAsync(1904, Pki.Bank, "bri");
        var cutOff = DateTimeOffset.UtcNow;
        var issued = (await Steward.IssueBatchAsync(Issue("PKH-2026-S3-DEATHS", 3, cutOff.AddDays(30), cutOff))).Batch;
        await DeathNoticeAsync(diesBeforeSealing.Members[1].Nik, "AKTA-3273-KM-2026-1901");
        await Steward.SealBatchAsync(new SealBatchRequest { BatchId = issued.BatchId, ControlTotals = issued.Totals, Reason = "agreed" });

        // Sealed after the death: the line is held from the start; the bank is never sent it to pay, only the notice.
        var feed = await PaymentSteps.LinesAsync(Bri);
        var lineOf = (await Steward.ListBatchLinesAsync(new ListBatchLinesRequest { BatchId = issued.BatchId })).Lines.ToDictionary(line => line.HouseholdId);
        Assert.Equal(
            new[] { diesAfter, deactivatedAfter, paidThenDies }.Select(household => lineOf[household.HouseholdId].EndToEndId).Order(),
            feed.Where(message => message.InstructionCase == StreamLinesResponse.InstructionOneofCase.Pay).Select(message => message.Pay.EndToEndId).Order());
        Assert.Equal([lineOf[diesBeforeSealing.HouseholdId].EndToEndId], feed.Where(message => message.Hold is not null).Select(message => message.Hold.EndToEndId));
        Assert.Equal(ConfirmationResult.Applied, (await PaymentSteps.ConfirmAsync(Bri, [Settled(ToPay(lineOf[paidThenDies.HouseholdId]))])).Single().Result);

        // After sealing: the civil registry's death notice, the steward's deactivation, a death of a paid household.
        await DeathNoticeAsync(diesAfter.Members[0].Nik, "AKTA-3273-KM-2026-1902");
        deactivatedAfter = await HouseholdSteps.GetAsync(Hub, Pki, deactivatedAfter.HouseholdId);
        await HouseholdSteps.ChangeAsync(Hub.Registry(Pki.Steward), deactivatedAfter, "family emigrated", new RegistryV1.ChangeHouseholdRequest { DeactivateHousehold = new RegistryV1.DeactivateHousehold() });
        await DeathNoticeAsync(paidThenDies.Members[1].Nik, "AKTA-3273-KM-2026-1904");

        var notices = await PaymentSteps.LinesAsync(Bri, feed[^1].Checkpoint);
        Assert.Equal(
            [lineOf[diesAfter.HouseholdId].EndToEndId, lineOf[deactivatedAfter.HouseholdId].EndToEndId],
            notices.Select(message => message.Hold.EndToEndId));
        Assert.Contains("died", notices[0].Hold.Reason, StringComparison.Ordinal);
        Assert.Contains("deactivated", notices[1].Hold.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(notices, message => message.Hold.Reason.Contains("Siti", StringComparison.Ordinal) || message.Hold.Reason.Contains("Rizky", StringComparison.Ordinal));

        var lines = (await Steward.ListBatchLinesAsync(new ListBatchLinesRequest { BatchId = issued.BatchId })).Lines.ToDictionary(line => line.HouseholdId);
        Assert.Equal(string.Empty, lines[paidThenDies.HouseholdId].HoldReason);
        Assert.All(new[] { diesBeforeSealing, diesAfter, deactivatedAfter }, household => Assert.NotEmpty(lines[household.HouseholdId].HoldReason));
        var report = (await Steward.GetReconciliationReportAsync(new GetReconciliationReportRequest { BatchId = issued.BatchId })).Report;
        Assert.Equal([(LineOutcome.PaidAsInstructed, 1L), (LineOutcome.Held, 3L)], report.Rows.Select(row => (row.Outcome, row.Lines)).OrderBy(row => row.Outcome));
    }

    private Task<RegistryV1.Household> FundedAsync(int serial, System.Security.Cryptography.X509Certificates.X509Certificate2 bank, string bankId) =>
        PaymentSteps.FundedAsync(Hub, Pki, serial, bank);

    private Task<Batch> SealAsync(string reference, DateTimeOffset deadline) => PaymentSteps.SealedBatchAsync(Hub, Pki, PaymentSteps.Issue(reference, 3, deadline));

    private async Task DeathNoticeAsync(string nik, string certificate)
    {
        using var call = new RegistryV1.ReconciliationService.ReconciliationServiceClient(Hub.Channel(Pki.CivilRegistry)).ReconcileIdentities();
        await call.RequestStream.WriteAsync(new RegistryV1.ReconcileIdentitiesRequest
        {
            RecordReference = certificate,
            DeathNotice = new RegistryV1.DeathNotice { Nik = nik, DeathDate = new Google.Type.Date { Year = 2026, Month = 6, Day = 1 }, CertificateNumber = certificate },
        });
        await call.RequestStream.CompleteAsync();
        Assert.Equal(RegistryV1.DeathNoticeOutcome.Applied, (await call.ResponseStream.ReadAllAsync().SingleAsync()).DeathNoticeOutcome);
    }

    private static IssueBatchRequest Issue(string reference, int stage, DateTimeOffset deadline, DateTimeOffset? cutOff = null) => PaymentSteps.Issue(reference, stage, deadline, cutOff);

    private static LineToPay ToPay(DisbursementLine line) => new() { EndToEndId = line.EndToEndId, Amount = line.Amount, LineNumber = line.LineNumber };

    private static PaymentConfirmation Settled(LineToPay line, long? amount = null) =>
        new() { EndToEndId = line.EndToEndId, Status = PaymentStatus.Settled, Amount = amount ?? line.Amount, Currency = "IDR", BankReference = $"REF-{line.LineNumber:D8}" };

    private static PaymentConfirmation Pending(LineToPay line) =>
        new() { EndToEndId = line.EndToEndId, Status = PaymentStatus.Pending, Amount = line.Amount, Currency = "IDR", BankReference = $"REF-{line.LineNumber:D8}" };

    private static PaymentConfirmation Rejected(LineToPay line, string reason) =>
        new() { EndToEndId = line.EndToEndId, Status = PaymentStatus.Rejected, ReasonCode = reason, Amount = line.Amount, Currency = "IDR", BankReference = $"REF-{line.LineNumber:D8}" };

    private static PaymentConfirmation Returned(LineToPay line, string reason) =>
        new() { EndToEndId = line.EndToEndId, Status = PaymentStatus.Returned, ReasonCode = reason, Amount = line.Amount, Currency = "IDR", BankReference = $"RET-{line.LineNumber:D8}" };
}
