using Interop.Hub.Partners;
using Interop.Hub.Partners.Directory;
using Interop.Hub.Partners.Tokens;

namespace Interop.UnitTests;

/// <summary>Who gets an access token, with which scopes: given the certificate's partner and the directory's word.</summary>
public sealed class TokenGrantTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly PartnerIdentity Bandung = new("dinsos-kota-bandung", PartnerKind.LocalGovernment, "32.73");
    private static readonly Partner Registered = new(
        Guid.NewGuid(), 1, "dinsos-kota-bandung", PartnerKind.LocalGovernment, "Dinas Sosial Kota Bandung", ["32.73"], [Scopes.RegistryRead, Scopes.RegistryWrite], [], PartnerStatus.Active, At, At);

    [Fact]
    public void Given_an_admitted_partner_asking_for_no_scope_then_it_gets_every_scope_it_holds()
    {
        var granted = Assert.IsType<TokenDecision.Granted>(TokenGrant.Decide("dinsos-kota-bandung", Bandung, new Admission.Admitted(Registered), []));

        Assert.Equal("dinsos-kota-bandung", granted.PartnerId);
        Assert.Equal(["registry.read", "registry.write"], granted.Scopes);
    }

    [Fact]
    public void Given_a_partner_asking_for_fewer_scopes_then_it_gets_those_only()
    {
        var granted = Assert.IsType<TokenDecision.Granted>(TokenGrant.Decide("dinsos-kota-bandung", Bandung, new Admission.Admitted(Registered), [Scopes.RegistryRead]));

        Assert.Equal([Scopes.RegistryRead], granted.Scopes);
    }

    [Theory]
    [InlineData("registry.steward")]
    [InlineData("partners.admin")]
    [InlineData("anything")]
    public void Given_a_scope_the_partner_does_not_hold_then_it_is_invalid_scope(string scope) =>
        Assert.Equal("invalid_scope", Assert.IsType<TokenDecision.Refused>(TokenGrant.Decide("dinsos-kota-bandung", Bandung, new Admission.Admitted(Registered), [Scopes.RegistryRead, scope])).Error);

    [Fact]
    public void Given_a_record_holding_a_scope_beyond_its_kind_then_the_token_never_carries_it()
    {
        var overreaching = Registered with { Scopes = [Scopes.RegistryRead, Scopes.PartnersAdmin] };

        Assert.Equal([Scopes.RegistryRead], Assert.IsType<TokenDecision.Granted>(TokenGrant.Decide("dinsos-kota-bandung", Bandung, new Admission.Admitted(overreaching), [])).Scopes);
        Assert.IsType<TokenDecision.Refused>(TokenGrant.Decide("dinsos-kota-bandung", Bandung, new Admission.Admitted(overreaching), [Scopes.PartnersAdmin]));
    }

    [Fact]
    public void Given_another_client_id_no_partner_a_suspended_or_unknown_one_then_it_is_invalid_client()
    {
        Assert.Equal("invalid_client", Refused(TokenGrant.Decide("bpk", Bandung, new Admission.Admitted(Registered), [])).Error);
        Assert.Equal("invalid_client", Refused(TokenGrant.Decide(null, Bandung, new Admission.Admitted(Registered), [])).Error);
        Assert.Equal("invalid_client", Refused(TokenGrant.Decide("dinsos-kota-bandung", null, new Admission.NotReady(), [])).Error);
        Assert.Contains("suspended", Refused(TokenGrant.Decide("dinsos-kota-bandung", Bandung, new Admission.Suspended("dinsos-kota-bandung"), [])).Description, StringComparison.Ordinal);
        Assert.Contains("not registered", Refused(TokenGrant.Decide("dinsos-kota-bandung", Bandung, new Admission.Unknown("Partner dinsos-kota-bandung is not registered"), [])).Description, StringComparison.Ordinal);
    }

    private static TokenDecision.Refused Refused(TokenDecision decision) => Assert.IsType<TokenDecision.Refused>(decision);
}
