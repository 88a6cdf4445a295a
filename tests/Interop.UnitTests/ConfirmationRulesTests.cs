using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Disbursements.Entitlements;
using Interop.Hub.Registry;

namespace Interop.UnitTests;

/// <summary>A bank's confirmations: forward only, a resend changes nothing, a contradiction is kept aside, another bank's line is unknown.</summary>
public sealed class ConfirmationRulesTests
{
    private static readonly string Id = EndToEndIds.For(new ProgrammeStage(SocialProgram.Pkh, 2026, 3), Guid.Parse("1a2b3c4d-0000-7000-8000-000000000000"), 42);

    private static readonly ConfirmedLine Instructed = new(Id, "bri", 975_000, []);

    private static Confirmation Said(PaymentStatus status, string? reason = null, long amount = 975_000, string reference = "BRI-1") =>
        new(Id, status, reason, amount, "IDR", reference);

    private static ConfirmedLine After(params Confirmation[] confirmations) => Instructed with { Confirmations = confirmations };

    [Fact]
    public void An_end_to_end_id_names_the_round_the_batch_and_the_line_within_35_characters()
    {
        Assert.Equal("PKH26S3-1A2B3C4D-0000000042", Id);
        Assert.True(EndToEndIds.IsWellFormed(Id));
        Assert.True(EndToEndIds.For(new ProgrammeStage(SocialProgram.Bpnt, 2099, 6), Guid.NewGuid(), 9_999_999_999).Length <= EndToEndIds.MaxLength);
        Assert.False(EndToEndIds.IsWellFormed("pkh26s3 1"));
        Assert.False(EndToEndIds.IsWellFormed(new string('A', 36)));
    }

    [Fact]
    public void Given_an_instructed_line_when_its_bank_settles_it_then_it_is_settled_and_a_resend_changes_nothing()
    {
        var settled = Said(PaymentStatus.Settled);

        Assert.Equal(new ConfirmationDecision.Applied(PaymentStatus.Settled, false), ConfirmationRules.Decide(Instructed, "bri", settled));
        Assert.IsType<ConfirmationDecision.AlreadyApplied>(ConfirmationRules.Decide(After(settled), "bri", settled));
    }

    [Fact]
    public void Given_a_settled_line_when_the_bank_rejects_it_then_the_contradiction_is_kept_aside_and_nothing_is_overwritten()
    {
        var decision = ConfirmationRules.Decide(After(Said(PaymentStatus.Settled)), "bri", Said(PaymentStatus.Rejected, "AC04"));
        var otherAmount = ConfirmationRules.Decide(After(Said(PaymentStatus.Settled)), "bri", Said(PaymentStatus.Settled, amount: 1_000_000));

        Assert.Contains("RJCT after ACSC", Assert.IsType<ConfirmationDecision.Contradiction>(decision).Reason, StringComparison.Ordinal);
        Assert.Contains("other content", Assert.IsType<ConfirmationDecision.Contradiction>(otherAmount).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_payment_moves_forward_only_and_a_settled_one_may_be_returned()
    {
        Assert.IsType<ConfirmationDecision.Applied>(ConfirmationRules.Decide(After(Said(PaymentStatus.Pending)), "bri", Said(PaymentStatus.AcceptedInProcess, reference: "BRI-2")));
        Assert.IsType<ConfirmationDecision.Applied>(ConfirmationRules.Decide(After(Said(PaymentStatus.Settled)), "bri", Said(PaymentStatus.Returned, "MD07")));
        Assert.IsType<ConfirmationDecision.Contradiction>(ConfirmationRules.Decide(After(Said(PaymentStatus.Settled)), "bri", Said(PaymentStatus.Pending, reference: "BRI-2")));
        Assert.IsType<ConfirmationDecision.Contradiction>(ConfirmationRules.Decide(Instructed, "bri", Said(PaymentStatus.Returned, "MD07")));
        Assert.IsType<ConfirmationDecision.Contradiction>(ConfirmationRules.Decide(After(Said(PaymentStatus.Rejected, "AC01")), "bri", Said(PaymentStatus.Settled)));
    }

    [Fact]
    public void Another_banks_line_and_an_unknown_line_get_the_same_answer()
    {
        Assert.IsType<ConfirmationDecision.UnknownLine>(ConfirmationRules.Decide(Instructed, "bni", Said(PaymentStatus.Settled)));
        Assert.IsType<ConfirmationDecision.UnknownLine>(ConfirmationRules.Decide(null, "bri", Said(PaymentStatus.Settled)));
    }

    [Fact]
    public void A_different_amount_is_applied_and_flagged_for_the_report()
    {
        Assert.Equal(new ConfirmationDecision.Applied(PaymentStatus.Settled, true), ConfirmationRules.Decide(Instructed, "bri", Said(PaymentStatus.Settled, amount: 900_000)));
    }

    [Theory]
    [InlineData((int)PaymentStatus.Rejected, null, 975_000, "IDR", "reason")]
    [InlineData((int)PaymentStatus.Rejected, "XX99", 975_000, "IDR", "reason")]
    [InlineData((int)PaymentStatus.Settled, "AC04", 975_000, "IDR", "reason")]
    [InlineData((int)PaymentStatus.Settled, null, 0, "IDR", "amount")]
    [InlineData((int)PaymentStatus.Settled, null, 975_000, "USD", "currency")]
    [InlineData((int)PaymentStatus.Unspecified, null, 975_000, "IDR", "status")]
    [InlineData(99, null, 975_000, "IDR", "status")]
    public void A_malformed_confirmation_is_refused_naming_the_field(int status, string? reason, long amount, string currency, string field)
    {
        var decision = ConfirmationRules.Decide(Instructed, "bri", new Confirmation(Id, (PaymentStatus)status, reason, amount, currency, "BRI-1"));

        Assert.Equal(field, Assert.IsType<ConfirmationDecision.Invalid>(decision).Field);
    }

    [Fact]
    public void Iso_status_codes_map_both_ways()
    {
        foreach (var status in new[] { PaymentStatus.Pending, PaymentStatus.AcceptedInProcess, PaymentStatus.Settled, PaymentStatus.Rejected })
        {
            Assert.Equal(status, PaymentStatuses.FromCode(PaymentStatuses.CodeOf(status)!));
        }

        Assert.Equal(["ACSC", "ACSP", "PDNG", "RJCT"], new[] { PaymentStatus.Settled, PaymentStatus.AcceptedInProcess, PaymentStatus.Pending, PaymentStatus.Rejected }.Select(PaymentStatuses.CodeOf).Order());
        Assert.Null(PaymentStatuses.FromCode("XXXX"));
    }
}
