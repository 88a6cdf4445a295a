using Interop.Hub.Partners;
using Interop.Hub.Partners.Directory;
using Interop.ReferenceData;

namespace Interop.UnitTests;

/// <summary>The directory's rules, given a record and a command, then events or a refusal.</summary>
public sealed class PartnerRulesTests
{
    private static readonly RegionTable Regions = RegionTable.Load(RegionTable.DefaultPath);
    private static readonly Actor Steward = new("kemensos-pusdatin", PartnerKind.Steward);
    private static readonly DateTimeOffset At = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly BoundCertificate CimahiCertificate = new(new string('A', 64), "CN=dinsos-kota-cimahi", "01", At.AddYears(1));
    private static readonly CertificateFacts Cimahi = new(CimahiCertificate, new PartnerIdentity("dinsos-kota-cimahi", PartnerKind.LocalGovernment, "32.77"), null);
    private static readonly DirectoryContext Nobody = new(Regions, new Dictionary<string, string>());

    private static readonly Partner Registered = new(
        Guid.NewGuid(), 1, "dinsos-kota-cimahi", PartnerKind.LocalGovernment, "Dinas Sosial Kota Cimahi", ["32.77"], [Scopes.RegistryRead, Scopes.RegistryWrite], [CimahiCertificate], PartnerStatus.Active, At, At);

    [Fact]
    public void Given_a_free_id_when_a_local_government_is_registered_then_its_areas_and_scopes_are_stored_sorted_and_cleaned()
    {
        var decision = PartnerRules.Decide(Register(scopes: [Scopes.RegistryWrite, Scopes.RegistryRead]), null, [Cimahi], Nobody);

        var registered = Assert.IsType<PartnerRegistered>(Assert.Single(Assert.IsType<PartnerDecision.Accepted>(decision).Events));
        Assert.Equal(["registry.read", "registry.write"], registered.Scopes);
        Assert.Equal(["32.77"], registered.Areas);
        Assert.Equal(CimahiCertificate, Assert.Single(registered.Certificates));
        Assert.Equal((Steward, "Agreement 12/2026"), (registered.Actor, registered.Reason));
    }

    [Fact]
    public void Given_any_partner_with_the_id_when_it_is_registered_again_then_the_id_is_taken()
    {
        var taken = Assert.IsType<PartnerDecision.Taken>(PartnerRules.Decide(Register(), Registered, [Cimahi], Nobody));

        Assert.Equal("partner_id", taken.Field);
    }

    [Fact]
    public void Given_a_certificate_bound_to_another_partner_when_it_is_registered_then_it_is_taken()
    {
        var context = Nobody with { CertificateHolders = new Dictionary<string, string> { [CimahiCertificate.Thumbprint] = "dinsos-kota-bogor" } };

        Assert.Contains("dinsos-kota-bogor", Assert.IsType<PartnerDecision.Taken>(PartnerRules.Decide(Register(), null, [Cimahi], context)).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bank", "registry.read", "scopes[0]")]
    [InlineData("auditor", "registry.write", "scopes[0]")]
    [InlineData("local-government", "partners.admin", "scopes[0]")]
    [InlineData("researcher", "registry.write", "scopes[0]")]
    [InlineData("disaster-responder", "audit.read", "scopes[0]")]
    [InlineData("steward", "no.such.scope", "scopes[0]")]
    public void Given_a_kind_when_a_scope_beyond_its_role_is_asked_then_it_is_refused(string kindToken, string scope, string field)
    {
        var kind = PartnerIdentity.KindOf(kindToken)!.Value;
        var facts = Cimahi with { Names = new PartnerIdentity("dinsos-kota-cimahi", kind, null) };
        var areas = kind == PartnerKind.LocalGovernment ? new[] { "32.77" } : [];

        Assert.Contains(field, Fields(PartnerRules.Decide(Register(kind, areas, [scope]), null, [facts], Nobody)));
    }

    [Theory]
    [InlineData("local-government", new string[0], "areas")]
    [InlineData("steward", new[] { "32" }, "areas")]
    [InlineData("local-government", new[] { "32.99" }, "areas[0]")]
    [InlineData("local-government", new[] { "32", "32.77" }, "areas[1]")]
    [InlineData("local-government", new[] { "32.7" }, "areas[0]")]
    public void Given_a_kind_when_its_areas_are_missing_unknown_overlapping_or_not_its_to_have_then_they_are_refused(string kindToken, string[] areas, string field)
    {
        var kind = PartnerIdentity.KindOf(kindToken)!.Value;
        var facts = Cimahi with { Names = new PartnerIdentity("dinsos-kota-cimahi", kind, null) };

        Assert.Contains(field, Fields(PartnerRules.Decide(Register(kind, areas, []), null, [facts], Nobody)));
    }

    [Fact]
    public void Given_a_disaster_responder_then_it_may_serve_an_area_or_the_whole_country()
    {
        var facts = Cimahi with { Names = new PartnerIdentity("dinsos-kota-cimahi", PartnerKind.DisasterResponder, null) };

        Assert.IsType<PartnerDecision.Accepted>(PartnerRules.Decide(Register(PartnerKind.DisasterResponder, ["32"], []), null, [facts], Nobody));
        Assert.IsType<PartnerDecision.Accepted>(PartnerRules.Decide(Register(PartnerKind.DisasterResponder, [], []), null, [facts], Nobody));
    }

    [Fact]
    public void Given_certificates_that_are_not_pem_not_trusted_or_name_another_partner_then_each_is_refused()
    {
        CertificateFacts?[] certificates =
        [
            null,
            Cimahi with { Problem = "is not issued by a partner CA the hub trusts" },
            Cimahi with { Names = new PartnerIdentity("dinsos-kota-bogor", PartnerKind.LocalGovernment, null) },
            Cimahi with { Names = null },
        ];

        Assert.Equal(["certificates_pem[0]", "certificates_pem[1]", "certificates_pem[2]", "certificates_pem[3]"], Fields(PartnerRules.Decide(Register(), null, certificates, Nobody)));
        Assert.Contains("certificates_pem", Fields(PartnerRules.Decide(Register(), null, [], Nobody)));
    }

    [Fact]
    public void Given_the_reserved_id_of_the_hub_or_invisible_text_then_they_are_refused()
    {
        var hub = Register() with { PartnerId = Actor.Hub.PartnerId, DisplayName = "Dinas\u200B Sosial", Reason = "\u202Eevil" };

        Assert.Equal(["partner_id", "display_name", "reason", "certificates_pem[0]"], Fields(PartnerRules.Decide(hub, null, [Cimahi], Nobody)));
    }

    [Fact]
    public void Given_an_active_partner_when_suspended_then_reinstated_then_each_is_one_event_and_a_repeat_is_not_allowed()
    {
        Assert.IsType<PartnerSuspended>(Assert.Single(Accepted(PartnerRules.Decide(new PartnerRecordChange.Suspend("dinsos-kota-cimahi", 1, "Breach", Steward, null), Registered, null, Nobody))));
        Assert.IsType<PartnerDecision.NotAllowed>(PartnerRules.Decide(new PartnerRecordChange.Reinstate("dinsos-kota-cimahi", 1, "Why", Steward, null), Registered, null, Nobody));

        var suspended = Registered with { Status = PartnerStatus.Suspended };
        Assert.IsType<PartnerDecision.NotAllowed>(PartnerRules.Decide(new PartnerRecordChange.Suspend("dinsos-kota-cimahi", 1, "Again", Steward, null), suspended, null, Nobody));
        Assert.IsType<PartnerReinstated>(Assert.Single(Accepted(PartnerRules.Decide(new PartnerRecordChange.Reinstate("dinsos-kota-cimahi", 1, "Closed", Steward, null), suspended, null, Nobody))));
    }

    [Fact]
    public void Given_the_steward_itself_when_it_would_lock_itself_out_then_it_is_not_allowed()
    {
        var steward = Registered with { PartnerId = Steward.PartnerId, Kind = PartnerKind.Steward, Areas = [], Scopes = Scopes.HeldBy(PartnerKind.Steward) };

        Assert.IsType<PartnerDecision.NotAllowed>(PartnerRules.Decide(new PartnerRecordChange.Suspend(Steward.PartnerId, 1, "Oops", Steward, CimahiCertificate.Thumbprint), steward, null, Nobody));
        Assert.IsType<PartnerDecision.NotAllowed>(PartnerRules.Decide(new PartnerRecordChange.ChangeScopes(Steward.PartnerId, 1, [Scopes.RegistryRead], "Oops", Steward, null), steward, null, Nobody));
        Assert.IsType<PartnerDecision.NotAllowed>(PartnerRules.Decide(new PartnerRecordChange.UnbindCertificate(Steward.PartnerId, 1, CimahiCertificate.Thumbprint.ToLowerInvariant(), "Oops", Steward, CimahiCertificate.Thumbprint), steward, null, Nobody));
        // Another certificate of its own it may unbind (after a renewal).
        var renewed = steward with { Certificates = [CimahiCertificate, CimahiCertificate with { Thumbprint = new string('B', 64) }] };
        Assert.IsType<PartnerCertificateUnbound>(Assert.Single(Accepted(PartnerRules.Decide(
            new PartnerRecordChange.UnbindCertificate(Steward.PartnerId, 1, new string('A', 64), "Retired", Steward, new string('B', 64)), renewed, null, Nobody))));
    }

    [Fact]
    public void Given_the_last_partner_able_to_run_the_directory_when_another_would_take_that_away_then_it_is_not_allowed()
    {
        var deputy = new Actor("kemensos-deputi", PartnerKind.Steward);
        var steward = Registered with { PartnerId = Steward.PartnerId, Kind = PartnerKind.Steward, Areas = [], Scopes = Scopes.HeldBy(PartnerKind.Steward) };
        var alone = Nobody with { Administrators = [Steward.PartnerId] };
        var two = Nobody with { Administrators = [Steward.PartnerId, deputy.PartnerId] };

        Assert.IsType<PartnerDecision.NotAllowed>(PartnerRules.Decide(new PartnerRecordChange.Suspend(Steward.PartnerId, 1, "Handover", deputy, null), steward, null, alone));
        Assert.IsType<PartnerDecision.NotAllowed>(PartnerRules.Decide(new PartnerRecordChange.ChangeScopes(Steward.PartnerId, 1, [Scopes.RegistryRead], "Handover", deputy, null), steward, null, alone));
        Assert.IsType<PartnerDecision.NotAllowed>(PartnerRules.Decide(new PartnerRecordChange.UnbindCertificate(Steward.PartnerId, 1, CimahiCertificate.Thumbprint, "Handover", deputy, null), steward, null, alone));
        Assert.IsType<PartnerDecision.Accepted>(PartnerRules.Decide(new PartnerRecordChange.Suspend(Steward.PartnerId, 1, "Handover", deputy, null), steward, null, two));
        Assert.IsType<PartnerDecision.Accepted>(PartnerRules.Decide(new PartnerRecordChange.ChangeScopes(Steward.PartnerId, 1, [Scopes.RegistryRead], "Handover", deputy, null), steward, null, two));
    }

    [Fact]
    public void Given_lists_beyond_any_sensible_record_then_they_are_refused_by_length_alone()
    {
        var areas = Enumerable.Repeat("32.77", PartnerRules.MaxAreas + 1).ToArray();
        var scopes = Enumerable.Repeat(Scopes.RegistryRead, PartnerRules.MaxScopes + 1).ToArray();

        Assert.Equal(["areas", "scopes", "certificates_pem"], Fields(PartnerRules.Decide(Register(areas: areas, scopes: scopes), null, new CertificateFacts?[PartnerRules.MaxCertificates + 1], Nobody)));
        Assert.Equal(["areas"], Fields(PartnerRules.Decide(new PartnerRecordChange.ChangeAreas("dinsos-kota-cimahi", 1, areas, "Everywhere", Steward, null), Registered, null, Nobody)));
    }

    [Fact]
    public void Given_the_same_scopes_or_areas_again_then_nothing_is_stored()
    {
        Assert.IsType<PartnerDecision.NotAllowed>(PartnerRules.Decide(new PartnerRecordChange.ChangeScopes("dinsos-kota-cimahi", 1, [Scopes.RegistryWrite, Scopes.RegistryRead], "Same", Steward, null), Registered, null, Nobody));
        Assert.IsType<PartnerDecision.NotAllowed>(PartnerRules.Decide(new PartnerRecordChange.ChangeAreas("dinsos-kota-cimahi", 1, ["32.77"], "Same", Steward, null), Registered, null, Nobody));
        var moved = Assert.IsType<PartnerAreasChanged>(Assert.Single(Accepted(PartnerRules.Decide(new PartnerRecordChange.ChangeAreas("dinsos-kota-cimahi", 1, ["32.77", "32.73"], "Merged office", Steward, null), Registered, null, Nobody))));
        Assert.Equal(["32.73", "32.77"], moved.Areas);
    }

    private static RegisterPartner Register(PartnerKind kind = PartnerKind.LocalGovernment, string[]? areas = null, string[]? scopes = null) =>
        new("dinsos-kota-cimahi", kind, " Dinas Sosial Kota Cimahi ", areas ?? ["32.77"], scopes ?? [Scopes.RegistryRead], ["pem"], " Agreement 12/2026 ", Steward, null);

    private static IReadOnlyList<IPartnerEvent> Accepted(PartnerDecision decision) => Assert.IsType<PartnerDecision.Accepted>(decision).Events;

    private static List<string> Fields(PartnerDecision decision) => [.. Assert.IsType<PartnerDecision.Invalid>(decision).Violations.Select(violation => violation.Field)];
}
