using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Audit.V1;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;
using Interop.ReferenceData;

namespace Interop.IntegrationTests;

/// <summary>
/// Every read of a person's record and every refusal, wherever the hub decided it, is in the access
/// log, which auditors query by partner, household and time window; refused TLS handshakes are in it
/// as counts. Story 7 of the domain: a revoked certificate, a bank reading the registry and a regency
/// reading another regency's household are each refused, and each refusal is logged.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class AccessLogTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "accesslog")
{
    private static readonly RegionTable Regions = RegionTable.Load(RegionTable.DefaultPath);

    private readonly string crl = Path.Combine(pki.Folder, $"accesslog-{Guid.NewGuid():N}.crl");

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Hub:PartnerCrl"] = crl,
        ["Hub:CrlReloadSeconds"] = "1",
        ["Hub:AccessLogHandshakeSeconds"] = "1",
    };

    public override async Task InitializeAsync()
    {
        Pki.WriteRevocationList(crl, 1);
        await base.InitializeAsync();
    }

    private AccessLogService.AccessLogServiceClient AuditorLog => new(Hub.Channel(Pki.Auditor));

    [Fact]
    public async Task A_read_is_logged_with_partner_certificate_officer_households_fields_and_purpose_before_it_is_answered()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 1201);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);

        await new RegistryService.RegistryServiceClient(Hub.Channel(Pki.Auditor, purpose: "audit-examination", officer: "bpk.auditor-7"))
            .GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = household.HouseholdId });

        // Logged before the answer left: the entry is there at once, no waiting.
        var entries = (await AuditorLog.ListAccessEntriesAsync(new ListAccessEntriesRequest
        {
            HouseholdId = household.HouseholdId,
            PartnerId = "bpk",
            StartTime = Timestamp.FromDateTimeOffset(started),
        })).Entries;
        var read = Assert.Single(entries, entry => entry.Kind == AccessEntryKind.Read);
        Assert.Equal("/interop.registry.v1.RegistryService/GetHousehold", read.Method);
        Assert.Equal(("bpk", "bpk.auditor-7", "audit-examination", "OK"), (read.PartnerId, read.OfficerId, read.Purpose, read.Outcome));
        Assert.Equal(Pki.Auditor.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), read.CertificateThumbprint);
        Assert.Equal([household.HouseholdId], read.HouseholdIds);
        Assert.Contains("nik:masked", read.Fields);
        Assert.Contains("full_name:withheld", read.Fields);

        // A streamed read is logged before its messages leave: the history's entry is there once the stream ends.
        var history = await new RegistryService.RegistryServiceClient(Hub.Channel(Pki.Auditor, purpose: "audit-examination"))
            .StreamHouseholdHistory(new StreamHouseholdHistoryRequest { HouseholdId = household.HouseholdId }).ResponseStream.ReadAllAsync().ToListAsync();
        var streamed = (await AuditorLog.ListAccessEntriesAsync(new ListAccessEntriesRequest { HouseholdId = household.HouseholdId, StartTime = Timestamp.FromDateTimeOffset(started) }))
            .Entries.Single(entry => entry.Method.EndsWith("/StreamHouseholdHistory", StringComparison.Ordinal));
        Assert.NotEmpty(history);
        Assert.Equal(("audit-examination", "OK"), (streamed.Purpose, streamed.Outcome));

        // A search is logged with every household of the page; a search that found nobody is logged too.
        var search = new RegistryService.RegistryServiceClient(Hub.Channel(Pki.Steward));
        await search.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = household.Members[1].Nik });
        await search.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = Households.Nik(new DateOnly(1951, 1, 1), false, 99) });
        var searches = (await AuditorLog.ListAccessEntriesAsync(new ListAccessEntriesRequest { PartnerId = "kemensos-pusdatin", StartTime = Timestamp.FromDateTimeOffset(started) }))
            .Entries.Where(entry => entry.Method.EndsWith("/SearchHouseholds", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, searches.Count);
        Assert.Empty(searches[0].HouseholdIds);
        Assert.Equal([household.HouseholdId], searches[1].HouseholdIds);
        Assert.Equal("registry-stewardship", searches[1].Purpose);
    }

    [Fact]
    public async Task Story_7_a_revoked_certificate_a_bank_reading_the_registry_and_a_regency_reading_another_are_refused_and_each_refusal_is_logged()
    {
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        var semarang = await SemarangHouseholdAsync(73);
        var compromised = Pki.Partner("dinsos-kota-cimahi", "local-government", "32.77");
        await Hub.RegisterAsync(Pki.Steward, compromised);
        var openBeforeRevocation = new RegistryService.RegistryServiceClient(Hub.Channel(compromised));
        await openBeforeRevocation.SearchHouseholdsAsync(new SearchHouseholdsRequest());
        using var cancelFeed = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var feed = openBeforeRevocation.StreamChanges(new StreamChangesRequest(), cancellationToken: cancelFeed.Token);
        var following = Task.Run(async () =>
        {
            while (await feed.ResponseStream.MoveNext(cancelFeed.Token))
            {
            }
        });

        var bank = await Assert.ThrowsAsync<RpcException>(() => Hub.Registry(Pki.Bank).GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = semarang.HouseholdId }).ResponseAsync);
        var regency = await Assert.ThrowsAsync<RpcException>(() => Hub.Registry(Pki.Bandung).GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = semarang.HouseholdId }).ResponseAsync);
        var noToken = await Assert.ThrowsAsync<RpcException>(() => new RegistryService.RegistryServiceClient(Hub.Channel(Pki.Bandung, accessTokens: false))
            .GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = semarang.HouseholdId }).ResponseAsync);
        Pki.WriteRevocationList(crl, 2, compromised);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var revokedNewConnection = await Assert.ThrowsAsync<RpcException>(() => new RegistryService.RegistryServiceClient(Hub.Channel(compromised))
            .SearchHouseholdsAsync(new SearchHouseholdsRequest()).ResponseAsync);
        var revokedOpenConnection = await Assert.ThrowsAsync<RpcException>(() => openBeforeRevocation.SearchHouseholdsAsync(new SearchHouseholdsRequest()).ResponseAsync);

        Assert.Equal(("MISSING_SCOPE", StatusCode.PermissionDenied), (bank.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason, bank.StatusCode));
        Assert.Equal(("OUTSIDE_JURISDICTION", StatusCode.PermissionDenied), (regency.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason, regency.StatusCode));
        Assert.Equal(StatusCode.Unauthenticated, noToken.StatusCode);
        Assert.Equal(StatusCode.Unavailable, revokedNewConnection.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, revokedOpenConnection.StatusCode);

        var refusals = await EntriesAsync(started, entries => entries.Count(entry => entry.Kind == AccessEntryKind.Refusal) >= 4 && entries.Any(entry => entry.Kind == AccessEntryKind.RefusedHandshakes));
        var bankEntry = Assert.Single(refusals, entry => entry.PartnerId == "bri");
        Assert.Equal(("/interop.registry.v1.RegistryService/GetHousehold", "PERMISSION_DENIED", AccessEntryKind.Refusal), (bankEntry.Method, bankEntry.Outcome, bankEntry.Kind));
        Assert.Contains("registry.read", bankEntry.Detail, StringComparison.Ordinal);
        var regencyEntries = refusals.Where(entry => entry.PartnerId == "dinsos-kota-bandung" && entry.Kind == AccessEntryKind.Refusal).ToList();
        Assert.Equal(2, regencyEntries.Count);
        // Refused by a service: the household the request named is on the entry; refused before the request was read: the call is.
        var outside = Assert.Single(regencyEntries, entry => entry.Outcome == "PERMISSION_DENIED");
        Assert.Contains("serves", outside.Detail, StringComparison.Ordinal);
        Assert.Equal([semarang.HouseholdId], outside.HouseholdIds);
        Assert.Equal("household-verification", outside.Purpose);
        var tokenless = Assert.Single(regencyEntries, entry => entry.Outcome == "UNAUTHENTICATED");
        Assert.Contains("access token", tokenless.Detail, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(() => following.WaitAsync(TimeSpan.FromSeconds(10)));
        refusals = await EntriesAsync(started, entries => entries.Any(entry => entry.Outcome == "ABORTED_BY_HUB"));
        var revokedEntry = Assert.Single(refusals, entry => entry.PartnerId == "dinsos-kota-cimahi" && entry.Outcome == "UNAUTHENTICATED");
        Assert.Equal("/interop.registry.v1.RegistryService/SearchHouseholds", revokedEntry.Method);
        var abortedFeed = Assert.Single(refusals, entry => entry.PartnerId == "dinsos-kota-cimahi" && entry.Outcome == "ABORTED_BY_HUB");
        Assert.Equal("/interop.registry.v1.RegistryService/StreamChanges", abortedFeed.Method);
        Assert.Contains("revoked", abortedFeed.Detail, StringComparison.Ordinal);
        var thumbprint = compromised.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var handshakes = Assert.Single(refusals, entry => entry.Kind == AccessEntryKind.RefusedHandshakes && entry.CertificateThumbprint == thumbprint);
        Assert.Equal(("tls-handshake", "REFUSED"), (handshakes.Method, handshakes.Outcome));
        Assert.Contains("revoked", handshakes.Detail, StringComparison.Ordinal);
        Assert.True(handshakes.Count >= 1);

        // Refusals of requests that carry a person's NIK (a researcher searching by it, the steward
        // asking for a "partner" by it) are logged, and nothing in the log names the person.
        var nik = semarang.Members[0].Nik;
        var researcherSearch = await Assert.ThrowsAsync<RpcException>(() => Hub.Registry(Pki.Researcher).SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = nik }).ResponseAsync);
        var partnerByNik = await Assert.ThrowsAsync<RpcException>(() => Hub.PartnerAdmin(Pki.Steward).GetPartnerAsync(new() { PartnerId = nik }).ResponseAsync);
        Assert.Equal((StatusCode.PermissionDenied, StatusCode.NotFound), (researcherSearch.StatusCode, partnerByNik.StatusCode));
        var everything = await EntriesAsync(started, entries => entries.Any(entry => entry.PartnerId == "ui-peneliti") && entries.Any(entry => entry.Outcome == "NOT_FOUND"));
        Assert.Contains(everything, entry => entry.PartnerId == "ui-peneliti" && entry.Outcome == "PERMISSION_DENIED");
        Assert.Contains(everything, entry => entry.PartnerId == "kemensos-pusdatin" && entry.Outcome == "NOT_FOUND");
        Assert.DoesNotContain(nik, string.Join('\n', everything.Select(entry => entry.ToString())), StringComparison.Ordinal);
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var named = new Npgsql.NpgsqlCommand("select count(*) from interop.access_log where strpos(access_log::text, @nik) > 0 or strpos(access_log::text, @name) > 0", connection);
        named.Parameters.AddWithValue("nik", nik);
        named.Parameters.AddWithValue("name", semarang.Members[0].FullName);
        Assert.Equal(0L, await named.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_log_is_for_auditors_and_the_steward_and_a_bad_query_is_refused_field_by_field()
    {
        var bandung = await Assert.ThrowsAsync<RpcException>(() => new AccessLogService.AccessLogServiceClient(Hub.Channel(Pki.Bandung)).ListAccessEntriesAsync(new ListAccessEntriesRequest()).ResponseAsync);
        var bad = await Assert.ThrowsAsync<RpcException>(() => AuditorLog.ListAccessEntriesAsync(new ListAccessEntriesRequest
        {
            HouseholdId = "not-a-household",
            PartnerId = "Not A Partner",
            StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            EndTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)),
            PageSize = 501,
            PageToken = "x",
        }).ResponseAsync);

        Assert.Equal(("MISSING_SCOPE", "audit.read"), (bandung.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason, bandung.GetRpcStatus()!.GetDetail<ErrorInfo>().Metadata["scope"]));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Equal(
            ["household_id", "partner_id", "end_time", "page_size", "page_token"],
            bad.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(violation => violation.Field));
        var steward = await new AccessLogService.AccessLogServiceClient(Hub.Channel(Pki.Steward)).ListAccessEntriesAsync(new ListAccessEntriesRequest { PartnerId = "dinsos-kota-bandung" });
        Assert.Contains(steward.Entries, entry => entry.Method == "/interop.audit.v1.AccessLogService/ListAccessEntries" && entry.Outcome == "PERMISSION_DENIED");
    }

    [Fact]
    public async Task The_log_is_read_in_pages_newest_first_within_a_time_window()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 1202);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        var reader = new RegistryService.RegistryServiceClient(Hub.Channel(Pki.Auditor));
        for (var read = 0; read < 3; read++)
        {
            await reader.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = household.HouseholdId });
        }

        var ended = DateTimeOffset.UtcNow.AddSeconds(1);
        var pages = new List<AccessEntry>();
        var request = new ListAccessEntriesRequest { HouseholdId = household.HouseholdId, PartnerId = "bpk", PageSize = 2, StartTime = Timestamp.FromDateTimeOffset(started), EndTime = Timestamp.FromDateTimeOffset(ended) };
        var first = await AuditorLog.ListAccessEntriesAsync(request);
        request.PageToken = first.NextPageToken;
        var second = await AuditorLog.ListAccessEntriesAsync(request);
        var before = await AuditorLog.ListAccessEntriesAsync(new ListAccessEntriesRequest { HouseholdId = household.HouseholdId, PartnerId = "bpk", EndTime = Timestamp.FromDateTimeOffset(started) });

        Assert.Equal(2, first.Entries.Count);
        Assert.NotEmpty(first.NextPageToken);
        Assert.Single(second.Entries);
        Assert.Empty(second.NextPageToken);
        var all = first.Entries.Concat(second.Entries).ToList();
        Assert.Equal(all.Select(entry => entry.Sequence).OrderDescending(), all.Select(entry => entry.Sequence));
        Assert.All(all, entry => Assert.Equal("audit-investigation", entry.Purpose));
        Assert.All(all, entry => Assert.Equal([household.HouseholdId], entry.HouseholdIds));
        Assert.Empty(before.Entries);
    }

    [Fact]
    public async Task A_read_whose_entry_cannot_be_written_is_not_answered()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 1203);
        var reader = new RegistryService.RegistryServiceClient(Hub.Channel(Pki.Auditor));
        var serving = new Npgsql.NpgsqlConnectionStringBuilder(Postgres.ServingConnectionString(ConnectionString)).Username;

        await StoreProbe.ExecuteAsync(ConnectionString, $"revoke insert on interop.access_log from {serving}");
        RpcException refused;
        try
        {
            refused = await Assert.ThrowsAsync<RpcException>(() => reader.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = household.HouseholdId }).ResponseAsync);
        }
        finally
        {
            await StoreProbe.ExecuteAsync(ConnectionString, $"grant insert on interop.access_log to {serving}");
        }

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.DoesNotContain(household.Members[0].Nik, refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(household.HouseholdId, (await reader.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = household.HouseholdId })).Household.HouseholdId);
    }

    [Fact]
    public async Task A_refusal_is_logged_however_the_call_spells_its_content_type()
    {
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var client = new HttpClient(Interop.Cli.HubConnection.Handler(Hub.Address, Pki.Researcher, Pki.Ca, null));
        // A gRPC frame of an empty GetHouseholdRequest, without a token, under an unusual spelling of the content type.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Hub.Address, "/interop.registry.v1.RegistryService/GetHousehold"))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", "Application/GRPC");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await client.SendAsync(request);
        var entries = await EntriesAsync(started, all => all.Any(entry => entry.PartnerId == "ui-peneliti"));

        Assert.Equal("16", response.Headers.TryGetValues("grpc-status", out var status) ? status.Single() : response.TrailingHeaders.GetValues("grpc-status").Single());
        var logged = Assert.Single(entries, entry => entry.PartnerId == "ui-peneliti");
        Assert.Equal(("/interop.registry.v1.RegistryService/GetHousehold", "UNAUTHENTICATED"), (logged.Method, logged.Outcome));
    }

    [Fact]
    public async Task A_hub_that_stops_ends_its_feeds_and_what_they_sent_is_in_the_log()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 1204);
        await using var second = await RunningHub.StartAsync(Pki.CaPath, Pki.ServerCertificatePath, Pki.ServerKeyPath, Pki.Ca, new()
        {
            ["ConnectionStrings:RegistryOwner"] = ConnectionString,
            ["ConnectionStrings:Registry"] = Postgres.ServingConnectionString(ConnectionString),
        });
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var feed = new RegistryService.RegistryServiceClient(second.Channel(Pki.Steward)).StreamChanges(new StreamChangesRequest(), cancellationToken: cancel.Token);
        var seen = 0L;
        while (seen < household.Version && await feed.ResponseStream.MoveNext(cancel.Token))
        {
            seen += feed.ResponseStream.Current.Event?.HouseholdId == household.HouseholdId ? 1 : 0;
        }

        await second.StopAsync();
        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await feed.ResponseStream.MoveNext(cancel.Token))
            {
            }
        });

        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.Equal(household.Version, seen);
        // A feed's messages are logged a flush at a time (every 256 households or 200 ms), so the
        // household's events may be in one entry or spread over a few: at least one, at most one per event.
        Assert.InRange(
            await StoreProbe.CountAsync(
                ConnectionString,
                $"select count(*) from interop.access_log where method like '%/StreamChanges' and partner_id = 'kemensos-pusdatin' and households @> array['{household.HouseholdId}']::uuid[]"),
            1,
            household.Version);
    }

    /// <summary>Refusals are logged just after they are answered: the entries since a moment, once the condition holds (or after 15 s).</summary>
    private async Task<List<AccessEntry>> EntriesAsync(DateTimeOffset since, Func<List<AccessEntry>, bool> complete)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(15);
        while (true)
        {
            var entries = (await AuditorLog.ListAccessEntriesAsync(new ListAccessEntriesRequest { StartTime = Timestamp.FromDateTimeOffset(since), PageSize = 500 })).Entries.ToList();
            if (complete(entries) || DateTimeOffset.UtcNow > deadline)
            {
                return entries;
            }

            await Task.Delay(200);
        }
    }

    private async Task<Household> SemarangHouseholdAsync(int seed)
    {
        var steward = Hub.Registry(Pki.Steward);
        var outcome = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(steward, [new SyntheticHouseholds(seed, Regions, "33.74", $"AL-SMG-{seed}-").Take(1).Single()]));
        return (await steward.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = outcome.Accepted.HouseholdId })).Household;
    }
}
