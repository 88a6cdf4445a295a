using System.Security.Cryptography.X509Certificates;
using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Hub.V1;
using Interop.Contracts.Partners.V1;
using Interop.Contracts.Registry.V1;
using PartnerKind = Interop.Contracts.Partners.V1.PartnerKind;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>
/// The partner directory, over the wire: only the steward runs it; a partner it registers is let
/// in with the directory's kind, areas and scopes; a suspension, an unbound certificate or a scope
/// taken away holds from the partner's next call (calls it has open are ended); every change is an
/// event with who and why; and whatever is refused stores nothing.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class PartnerDirectoryTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "directory")
{
    private PartnerAdminService.PartnerAdminServiceClient Steward => Hub.PartnerAdmin(Pki.Steward);

    [Fact]
    public async Task Only_the_steward_runs_the_directory_and_a_refusal_names_the_scope()
    {
        foreach (var caller in new[] { Pki.Bandung, Pki.Auditor, Pki.Bank, Pki.CivilRegistry })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => Hub.PartnerAdmin(caller).ListPartnersAsync(new ListPartnersRequest()).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
            Assert.Equal("partners.admin", refused.GetRpcStatus()!.GetDetail<ErrorInfo>().Metadata["scope"]);
        }

        var cimahi = Pki.Partner("dinsos-kota-cimahi", "local-government", "32.77");
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => Hub.RegisterAsync(Pki.Bandung, cimahi))).StatusCode);
        // Health and reflection too need a partner the directory admits.
        var health = await Assert.ThrowsAsync<RpcException>(() => new Grpc.Health.V1.Health.HealthClient(Hub.Channel(cimahi)).CheckAsync(new Grpc.Health.V1.HealthCheckRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, health.StatusCode);
        Assert.Equal(["bni", "bnpb", "bpk", "bri", "dinsos-kota-bandung", "dukcapil", "kemensos-pusdatin", "ui-peneliti"], (await Steward.ListPartnersAsync(new ListPartnersRequest())).Partners.Select(partner => partner.PartnerId));
    }

    [Fact]
    public async Task A_registered_partner_is_let_in_as_the_directory_holds_it_and_its_history_says_who_and_why()
    {
        var cimahi = Pki.Partner("dinsos-kota-cimahi", "local-government", "32.77");
        // Refused its token (the directory does not know it), and refused a call without one.
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Identity(cimahi));
        Assert.Equal(StatusCode.Unauthenticated, unknown.StatusCode);
        Assert.Contains("invalid_client: Partner dinsos-kota-cimahi is not registered", unknown.Status.Detail, StringComparison.Ordinal);
        var tokenless = await Assert.ThrowsAsync<RpcException>(() => new HubService.HubServiceClient(Hub.Channel(cimahi, accessTokens: false)).GetPartnerIdentityAsync(new GetPartnerIdentityRequest()).ResponseAsync);
        Assert.Equal("PARTNER_NOT_REGISTERED", tokenless.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);

        var registered = await Hub.RegisterAsync(Pki.Steward, cimahi);
        Assert.Equal((PartnerKind.LocalGovernment, PartnerStatus.Active, 1L), (registered.Kind, registered.Status, registered.Version));
        Assert.Equal(["32.77"], registered.Areas);
        Assert.Equal(["registry.read", "registry.write"], registered.Scopes);
        Assert.Equal(PartnerCertificates(cimahi), Assert.Single(registered.Certificates).Sha256Thumbprint);

        var identity = await Identity(cimahi);
        Assert.Equal(("dinsos-kota-cimahi", "local-government", "32.77"), (identity.PartnerId, identity.PartnerKind, identity.AreaCode));
        var change = Assert.Single((await Steward.GetPartnerHistoryAsync(new GetPartnerHistoryRequest { PartnerId = "dinsos-kota-cimahi" })).Changes);
        Assert.Equal(("registered", "kemensos-pusdatin", "Registered by the test", 1L), (change.Kind, change.ActorPartnerId, change.Reason, change.Version));

        // The seeded partners' history names the hub itself.
        var seeded = Assert.Single((await Steward.GetPartnerHistoryAsync(new GetPartnerHistoryRequest { PartnerId = "bri" })).Changes);
        Assert.Equal("interop-hub", seeded.ActorPartnerId);
    }

    [Fact]
    public async Task A_partner_id_is_unique_across_kinds_and_a_certificate_belongs_to_one_partner()
    {
        var asBank = Pki.Partner("dinsos-kota-bandung", "bank");
        var taken = await Assert.ThrowsAsync<RpcException>(() => Hub.RegisterAsync(Pki.Steward, asBank));
        Assert.Equal(StatusCode.AlreadyExists, taken.StatusCode);

        var bound = await Assert.ThrowsAsync<RpcException>(() => Steward.RegisterPartnerAsync(new RegisterPartnerRequest
        {
            PartnerId = "bri-2",
            Kind = PartnerKind.Bank,
            DisplayName = "Another bank",
            Scopes = { "disbursement.confirm" },
            CertificatesPem = { Pki.Bank.ExportCertificatePem() },
            Reason = "A certificate already bound elsewhere",
        }).ResponseAsync);
        // It names bri, not bri-2: refused as a field before anything else.
        Assert.Equal(StatusCode.InvalidArgument, bound.StatusCode);
        Assert.Equal(8, (await Steward.ListPartnersAsync(new ListPartnersRequest())).Partners.Count);
    }

    [Fact]
    public async Task Bad_registrations_are_refused_field_by_field_and_store_nothing()
    {
        var bank = Pki.Partner("bni", "bank");
        var request = new RegisterPartnerRequest
        {
            PartnerId = "BNI!",
            Kind = PartnerKind.Unspecified,
            DisplayName = "Bank\u200B Negara",
            Areas = { "99.99", "32" },
            Scopes = { "registry.read", "everything" },
            CertificatesPem = { "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----", TestPki.FromAnotherAuthority("bni", "bank").ExportCertificatePem() },
            Reason = " ",
        };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Steward.RegisterPartnerAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        var fields = refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(violation => violation.Field).ToHashSet();
        Assert.Superset(new HashSet<string> { "partner_id", "kind", "display_name", "areas[0]", "scopes[1]", "certificates_pem[0]", "certificates_pem[1]", "reason" }, fields);

        // A bank may not hold registry.read, nor serve an area; a certificate for another partner is not this one's.
        request = new RegisterPartnerRequest
        {
            PartnerId = "bni",
            Kind = PartnerKind.Bank,
            DisplayName = "Bank Negara Indonesia",
            Areas = { "32" },
            Scopes = { "registry.read" },
            CertificatesPem = { Pki.Bandung.ExportCertificatePem() },
            Reason = "Onboarding",
        };
        refused = await Assert.ThrowsAsync<RpcException>(() => Steward.RegisterPartnerAsync(request).ResponseAsync);
        var violations = refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.ToDictionary(violation => violation.Field, violation => violation.Description);
        Assert.Contains("may not hold registry.read", violations["scopes[0]"], StringComparison.Ordinal);
        Assert.Contains("whole country", violations["areas"], StringComparison.Ordinal);
        Assert.Contains("not this partner", violations["certificates_pem[0]"], StringComparison.Ordinal);

        Assert.Equal(8, (await Steward.ListPartnersAsync(new ListPartnersRequest())).Partners.Count);
        await Assert.ThrowsAsync<RpcException>(() => Identity(bank));
    }

    [Fact]
    public async Task A_suspension_holds_from_the_next_call_ends_open_calls_and_a_reinstatement_lifts_it()
    {
        var cimahi = Pki.Partner("dinsos-kota-cimahi", "local-government", "32.77");
        var registered = await Hub.RegisterAsync(Pki.Steward, cimahi);
        var (reading, received) = await LiveFeedAsync(cimahi);

        var stale = await Assert.ThrowsAsync<RpcException>(() => Steward.SuspendPartnerAsync(new SuspendPartnerRequest { PartnerId = "dinsos-kota-cimahi", ExpectedVersion = 7, Reason = "Data breach reported" }).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        // This client holds a token from before the suspension, still valid for minutes.
        var withToken = new HubService.HubServiceClient(Hub.Channel(cimahi));
        await withToken.GetPartnerIdentityAsync(new GetPartnerIdentityRequest());

        var suspended = (await Steward.SuspendPartnerAsync(new SuspendPartnerRequest { PartnerId = "dinsos-kota-cimahi", ExpectedVersion = registered.Version, Reason = "Data breach reported" })).Partner;
        Assert.Equal(PartnerStatus.Suspended, suspended.Status);

        var refused = await Assert.ThrowsAsync<RpcException>(() => withToken.GetPartnerIdentityAsync(new GetPartnerIdentityRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal("PARTNER_SUSPENDED", refused.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Contains("suspended", (await AccessLogProbe.RefusalAsync(Hub, Pki, DateTimeOffset.UtcNow.AddMinutes(-1), "dinsos-kota-cimahi", "GetPartnerIdentity", "PERMISSION_DENIED")).Detail, StringComparison.Ordinal);
        // A new token is refused too.
        var proposal = await Assert.ThrowsAsync<RpcException>(() => SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(cimahi), [Households.Valid("SUSP-1", 3301)]));
        Assert.Equal(StatusCode.Unauthenticated, proposal.StatusCode);
        Assert.Contains("is suspended", proposal.Status.Detail, StringComparison.Ordinal);
        await AssertEndedByTheHubAsync(reading, received);

        var again = await Assert.ThrowsAsync<RpcException>(() => Steward.SuspendPartnerAsync(new SuspendPartnerRequest { PartnerId = "dinsos-kota-cimahi", ExpectedVersion = suspended.Version, Reason = "Twice" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);

        // A hub started later on the same database reads the suspension from the store.
        await using (var other = await RunningHub.StartAsync(Pki, ConnectionString))
        {
            var elsewhere = await Assert.ThrowsAsync<RpcException>(() => new HubService.HubServiceClient(other.Channel(cimahi, accessTokens: false)).GetPartnerIdentityAsync(new GetPartnerIdentityRequest()).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, elsewhere.StatusCode);
        }

        await Steward.ReinstatePartnerAsync(new ReinstatePartnerRequest { PartnerId = "dinsos-kota-cimahi", ExpectedVersion = suspended.Version, Reason = "Breach closed" });
        Assert.Equal("dinsos-kota-cimahi", (await Identity(cimahi)).PartnerId);
        var history = (await Steward.GetPartnerHistoryAsync(new GetPartnerHistoryRequest { PartnerId = "dinsos-kota-cimahi" })).Changes;
        Assert.Equal(["registered", "suspended", "reinstated"], history.Select(change => change.Kind));
        Assert.Equal(["Registered by the test", "Data breach reported", "Breach closed"], history.Select(change => change.Reason));
    }

    [Fact]
    public async Task A_scope_taken_away_or_a_certificate_unbound_holds_from_the_next_call()
    {
        var cimahi = Pki.Partner("dinsos-kota-cimahi", "local-government", "32.77");
        var partner = await Hub.RegisterAsync(Pki.Steward, cimahi);
        var (reading, received) = await LiveFeedAsync(cimahi);
        var readOnly = (await Steward.ChangePartnerScopesAsync(new ChangePartnerScopesRequest
        {
            PartnerId = "dinsos-kota-cimahi",
            ExpectedVersion = partner.Version,
            Scopes = { "registry.read" },
            Reason = "Read-only until the agreement is renewed",
        })).Partner;

        // The feed it had open read the record of before: it is ended, and a new call runs under the new record.
        await AssertEndedByTheHubAsync(reading, received);
        var proposal = await Assert.ThrowsAsync<RpcException>(() => SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(cimahi), [Households.Valid("SCOPE-1", 3302)]));
        Assert.Equal(StatusCode.PermissionDenied, proposal.StatusCode);
        Assert.Contains("needs scope registry.write", proposal.Status.Detail, StringComparison.Ordinal);
        Assert.Single((await Hub.Registry(cimahi).SearchHouseholdsAsync(new SearchHouseholdsRequest())).Households);

        // A renewed certificate is bound, then the old one unbound: the old one is refused, the new one served.
        var renewed = Pki.Partner("dinsos-kota-cimahi", "local-government", "32.77");
        var unboundYet = await Assert.ThrowsAsync<RpcException>(() => Identity(renewed));
        Assert.Equal(StatusCode.Unauthenticated, unboundYet.StatusCode);
        var bound = await Hub.BindAsync(Pki.Steward, renewed);
        Assert.Equal(2, bound.Certificates.Count);
        await Steward.UnbindPartnerCertificateAsync(new UnbindPartnerCertificateRequest
        {
            PartnerId = "dinsos-kota-cimahi",
            ExpectedVersion = bound.Version,
            Sha256Thumbprint = PartnerCertificates(cimahi).ToLowerInvariant(),
            Reason = "Old certificate retired",
        });
        var old = await Assert.ThrowsAsync<RpcException>(() => Identity(cimahi));
        Assert.Equal(StatusCode.Unauthenticated, old.StatusCode);
        Assert.Equal("dinsos-kota-cimahi", (await Identity(renewed)).PartnerId);
        Assert.Equal(readOnly.Version + 2, (await Steward.GetPartnerAsync(new GetPartnerRequest { PartnerId = "dinsos-kota-cimahi" })).Partner.Version);
    }

    [Fact]
    public async Task The_steward_cannot_lock_itself_out()
    {
        var steward = (await Steward.GetPartnerAsync(new GetPartnerRequest { PartnerId = "kemensos-pusdatin" })).Partner;

        foreach (var call in new Func<Task>[]
        {
            () => Steward.SuspendPartnerAsync(new SuspendPartnerRequest { PartnerId = steward.PartnerId, ExpectedVersion = steward.Version, Reason = "Oops" }).ResponseAsync,
            () => Steward.ChangePartnerScopesAsync(new ChangePartnerScopesRequest { PartnerId = steward.PartnerId, ExpectedVersion = steward.Version, Scopes = { "registry.read" }, Reason = "Oops" }).ResponseAsync,
            () => Steward.UnbindPartnerCertificateAsync(new UnbindPartnerCertificateRequest { PartnerId = steward.PartnerId, ExpectedVersion = steward.Version, Sha256Thumbprint = PartnerCertificates(Pki.Steward), Reason = "Oops" }).ResponseAsync,
        })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        }

        Assert.Equal(steward.Version, (await Steward.GetPartnerAsync(new GetPartnerRequest { PartnerId = steward.PartnerId })).Partner.Version);
        var missing = await Assert.ThrowsAsync<RpcException>(() => Steward.GetPartnerAsync(new GetPartnerRequest { PartnerId = "nobody" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        var garbage = await Assert.ThrowsAsync<RpcException>(() => Steward.SuspendPartnerAsync(new SuspendPartnerRequest { PartnerId = "\u0000../etc", ExpectedVersion = 1, Reason = "x" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, garbage.StatusCode);
    }

    [Fact]
    public async Task The_hubs_own_name_and_oversized_lists_are_refused_as_fields()
    {
        var reserved = await Assert.ThrowsAsync<RpcException>(() => Steward.RegisterPartnerAsync(new RegisterPartnerRequest
        {
            PartnerId = "interop-hub",
            Kind = PartnerKind.Steward,
            DisplayName = "Impostor",
            CertificatesPem = { Pki.Partner("interop-hub", "steward").ExportCertificatePem() },
            Reason = "Taking the hub's name",
        }).ResponseAsync);
        Assert.Contains("partner_id", reserved.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(violation => violation.Field));

        var bandung = (await Steward.GetPartnerAsync(new GetPartnerRequest { PartnerId = "dinsos-kota-bandung" })).Partner;
        var request = new ChangePartnerAreasRequest { PartnerId = "dinsos-kota-bandung", ExpectedVersion = bandung.Version, Reason = "Every village" };
        request.Areas.Add(Regions.Villages.Take(5000));
        var oversized = await Assert.ThrowsAsync<RpcException>(() => Steward.ChangePartnerAreasAsync(request).ResponseAsync);
        Assert.Equal("areas", Assert.Single(oversized.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
        Assert.Equal(bandung.Version, (await Steward.GetPartnerAsync(new GetPartnerRequest { PartnerId = "dinsos-kota-bandung" })).Partner.Version);
    }

    [Fact]
    public async Task Two_stewards_cannot_leave_the_directory_without_anyone_to_run_it()
    {
        var deputy = Pki.Partner("kemensos-deputi", "steward");
        await Hub.RegisterAsync(Pki.Steward, deputy);
        var deputyAdmin = Hub.PartnerAdmin(deputy);

        // The deputy takes partners.admin from the first steward: allowed, the deputy still runs the directory.
        var first = (await deputyAdmin.GetPartnerAsync(new GetPartnerRequest { PartnerId = "kemensos-pusdatin" })).Partner;
        await deputyAdmin.ChangePartnerScopesAsync(new ChangePartnerScopesRequest { PartnerId = first.PartnerId, ExpectedVersion = first.Version, Scopes = { "registry.read" }, Reason = "Handover" });
        var refused = await Assert.ThrowsAsync<RpcException>(() => Steward.ListPartnersAsync(new ListPartnersRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);

        // Now the deputy is the last one able to: it cannot lose that through itself.
        var self = (await deputyAdmin.GetPartnerAsync(new GetPartnerRequest { PartnerId = "kemensos-deputi" })).Partner;
        var locked = await Assert.ThrowsAsync<RpcException>(() => deputyAdmin.SuspendPartnerAsync(new SuspendPartnerRequest { PartnerId = self.PartnerId, ExpectedVersion = self.Version, Reason = "Oops" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, locked.StatusCode);
    }

    /// <summary>A change feed of the partner, open and live: the steward stored a household in 32.77, and the feed delivered it.</summary>
    private async Task<(Task Reading, Func<int> Received)> LiveFeedAsync(X509Certificate2 partner)
    {
        await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Steward), new Interop.ReferenceData.SyntheticHouseholds(3300, Regions, "32.77", "CIMAHI-").Take(1));
        var received = 0;
        var feed = Hub.Registry(partner).StreamChanges(new StreamChangesRequest());
        var reading = Task.Run(async () =>
        {
            using (feed)
            {
                while (await feed.ResponseStream.MoveNext(CancellationToken.None))
                {
                    Interlocked.Increment(ref received);
                }
            }
        });
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (Volatile.Read(ref received) == 0)
        {
            Assert.False(reading.IsCompleted, "The feed ended before it delivered anything.");
            await Task.Delay(50, patience.Token);
        }

        return (reading, () => Volatile.Read(ref received));
    }

    /// <summary>The feed delivered, then the hub ended it (not the test's own patience running out).</summary>
    private static async Task AssertEndedByTheHubAsync(Task reading, Func<int> received)
    {
        Assert.True(received() > 0);
        var ended = await Assert.ThrowsAnyAsync<Exception>(() => reading.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.IsNotType<TimeoutException>(ended);
    }

    private static readonly Interop.ReferenceData.RegionTable Regions = Interop.ReferenceData.RegionTable.Load(Interop.ReferenceData.RegionTable.DefaultPath);

    private static string PartnerCertificates(X509Certificate2 certificate) => Interop.Hub.Partners.PartnerCertificates.Thumbprint(certificate);

    private Task<GetPartnerIdentityResponse> Identity(X509Certificate2 certificate) =>
        new HubService.HubServiceClient(Hub.Channel(certificate)).GetPartnerIdentityAsync(new GetPartnerIdentityRequest()).ResponseAsync;
}
