using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Disbursements.Entitlements;
using Interop.Hub.Registry;

namespace Interop.UnitTests;

/// <summary>Issuing a batch from the registry at its cut-off, its control totals, sealing, and cancelling a line.</summary>
public sealed class BatchRulesTests
{
    private static readonly ProgrammeStage Round = new(SocialProgram.Pkh, 2026, 3);
    private static readonly Guid BatchId = Guid.Parse("1a2b3c4d-0000-7000-8000-000000000000");

    private static int serial;

    /// <summary>An active household enrolled in PKH whose recipient (its head) is a person of its own.</summary>
    private static Household Enrolled(string villageCode, params PkhComponent[] components)
    {
        var head = RegisteredHousehold.Active.Members[0] with { Nik = $"327301450790{Interlocked.Increment(ref serial) % 10000:D4}" };
        return RegisteredHousehold.Active with
        {
            Id = Guid.NewGuid(),
            VillageCode = villageCode,
            Members = [head],
            Confirmed = [ConfirmedPerson.Of(head)],
            Programs = [new ProgramMembership(SocialProgram.Pkh, components)],
        };
    }

    [Fact]
    public void Given_households_at_the_cut_off_when_a_batch_is_issued_then_each_owed_one_is_a_numbered_line_and_the_rest_are_listed_with_why()
    {
        var bandung = Enrolled("32.73.01.1001", PkhComponent.Elderly);
        var semarang = Enrolled("33.74.01.1001", PkhComponent.PrimarySchoolChild, PkhComponent.SeniorHighChild);
        var noAccount = Enrolled("32.73.01.1002", PkhComponent.Elderly);
        var deactivated = Enrolled("32.73.01.1003", PkhComponent.Elderly) with { Status = HouseholdStatus.Deactivated };

        var issued = BatchRules.Issue(Round, BatchId, [bandung, semarang, noAccount, deactivated], (household, _) => household == noAccount ? null : new PaymentAccount("bri", "0123-01-000001-50-1"));

        Assert.Equal(
            [(1L, "PKH26S3-1A2B3C4D-0000000001", bandung.Id, 600_000L, "32.73"), (2L, "PKH26S3-1A2B3C4D-0000000002", semarang.Id, 725_000L, "33.74")],
            issued.Lines.Select(line => (line.Number, line.EndToEndId, line.HouseholdId, line.Amount, line.RegencyCode)));
        Assert.Equal([noAccount.Id, deactivated.Id], issued.LeftOut.Select(left => left.HouseholdId));
        Assert.Contains("no account", issued.LeftOut[0].Reason, StringComparison.Ordinal);
        Assert.Contains("not active", issued.LeftOut[1].Reason, StringComparison.Ordinal);
        Assert.Equal(new ControlTotals(2, 1_325_000), BatchRules.TotalsOf(issued.Lines));
    }

    [Fact]
    public void A_batch_is_sealed_only_when_its_declared_totals_are_exactly_its_lines_and_only_once()
    {
        var actual = new ControlTotals(2, 1_325_000);

        Assert.Equal(new SealDecision.Sealed(actual), BatchRules.Seal(new ControlTotals(2, 1_325_000), actual, alreadySealed: false));
        Assert.Equal("control_totals.line_count", Assert.IsType<SealDecision.Refused>(BatchRules.Seal(new ControlTotals(3, 1_325_000), actual, false)).Field);
        var amount = Assert.IsType<SealDecision.Refused>(BatchRules.Seal(new ControlTotals(2, 1_325_001), actual, false));
        Assert.Equal("control_totals.amount", amount.Field);
        Assert.Contains("1,325,000", amount.Reason, StringComparison.Ordinal);
        Assert.Equal("batch_id", Assert.IsType<SealDecision.Refused>(BatchRules.Seal(actual, actual, alreadySealed: true)).Field);
        Assert.IsType<SealDecision.Refused>(BatchRules.Seal(new ControlTotals(0, 0), new ControlTotals(0, 0), false));
    }

    [Fact]
    public void Totals_that_would_overflow_are_an_error_never_a_wrapped_sum()
    {
        var line = new BatchLine(1, "X", Guid.NewGuid(), "3273014507900001", "Siti Rahmawati", new PaymentAccount("bri", "1"), long.MaxValue, "32.73");

        Assert.Throws<OverflowException>(() => BatchRules.TotalsOf([line, line with { Number = 2, Amount = 1 }]));
    }

    [Fact]
    public void A_line_is_cancelled_with_a_reason_while_the_bank_has_not_paid_it()
    {
        Assert.Null(BatchRules.CancellationProblem(PaymentStatus.Unspecified, "member deceased before payment"));
        Assert.Null(BatchRules.CancellationProblem(PaymentStatus.Pending, "duplicate NIK under investigation"));
        Assert.Contains("needs a reason", BatchRules.CancellationProblem(PaymentStatus.Unspecified, " "), StringComparison.Ordinal);
        Assert.Contains("returned, not cancelled", BatchRules.CancellationProblem(PaymentStatus.Settled, "too late"), StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_issued_a_page_at_a_time_are_numbered_on_and_nobody_is_paid_twice_for_one_round()
    {
        var first = Enrolled("32.73.01.1001", PkhComponent.Elderly);
        var paidAlready = Enrolled("32.73.01.1001", PkhComponent.Elderly);
        var sameRecipient = Enrolled("32.73.01.1002", PkhComponent.Elderly) with { Members = first.Members, Confirmed = first.Confirmed };
        var second = Enrolled("32.73.01.1003", PkhComponent.Elderly);
        var issue = new LineIssue(Round, BatchId, new HashSet<Guid> { paidAlready.Id });
        PaymentAccount Account(Household household, HouseholdMember member) => new("bri", "002101000000001");

        var page1 = issue.Add([first, paidAlready], Account);
        var page2 = issue.Add([sameRecipient, second], Account);

        Assert.Equal([1L], page1.Lines.Select(line => line.Number));
        Assert.Equal([2L], page2.Lines.Select(line => line.Number));
        Assert.Equal(second.Id, page2.Lines.Single().HouseholdId);
        Assert.Equal("the household has a line in another batch of PKH 2026 stage 3 already", page1.LeftOut.Single().Reason);
        Assert.Equal("the recipient is paid on another line of PKH 2026 stage 3 already", page2.LeftOut.Single().Reason);
        Assert.Equal((new ControlTotals(2, 1_200_000), 2L), (issue.Totals, issue.LeftOutCount));
    }

    [Fact]
    public void A_batch_request_names_a_paying_round_a_past_cut_off_a_later_deadline_and_a_reason()
    {
        var now = new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);
        var actor = new Interop.Hub.Partners.Actor("kemensos-pusdatin", Interop.Hub.Partners.PartnerKind.Steward);
        var valid = new IssueBatch("PKH-2026-S3", SocialProgram.Pkh, 2026, 3, now.AddDays(-1), now.AddDays(30), "decree", actor, "hash");

        Assert.Empty(BatchChecks.Check(valid, now));
        Assert.Equal(["stage"], BatchChecks.Check(valid with { Stage = 5 }, now).Select(issue => issue.Field));
        Assert.Equal(["stage"], BatchChecks.Check(valid with { Programme = SocialProgram.Bpnt, Stage = 7 }, now).Select(issue => issue.Field));
        Assert.Equal(["year"], BatchChecks.Check(valid with { Year = 1999 }, now).Select(issue => issue.Field));
        Assert.Equal(["program"], BatchChecks.Check(valid with { Programme = SocialProgram.Unspecified }, now).Select(issue => issue.Field));
        Assert.Equal(["cut_off_time"], BatchChecks.Check(valid with { CutOff = now.AddSeconds(1) }, now).Select(issue => issue.Field));
        Assert.Equal(["payment_deadline"], BatchChecks.Check(valid with { PaymentDeadline = now.AddDays(-1) }, now).Select(issue => issue.Field));
        Assert.Equal(["batch_reference", "reason"], BatchChecks.Check(valid with { Reference = "PKH 2026", Reason = " " }, now).Select(issue => issue.Field));
        Assert.Equal(BatchChecks.BatchIdOf("PKH-2026-S3"), BatchChecks.BatchIdOf("PKH-2026-S3"));
        Assert.NotEqual(BatchChecks.BatchIdOf("PKH-2026-S3"), BatchChecks.BatchIdOf("PKH-2026-S4"));
    }
}
