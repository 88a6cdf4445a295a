using System.Diagnostics;
using Grpc.Health.V1;
using Grpc.Reflection.V1;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

[Collection(HubCollection.Name)]
public sealed class HubLifecycleTests(PostgresCluster postgres, TestPki pki)
{
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task With_no_connection_string_the_hub_runs_its_own_postgres_and_its_data_survives_a_restart()
    {
        var dataDirectory = Path.Combine("/tmp", $"interop-test-hub-{Guid.NewGuid():N}");
        try
        {
            string householdId;
            var taken = Households.Valid("RESTART-2", 52);
            await using (var first = await RunningHub.StartEmbeddedAsync(pki, dataDirectory))
            {
                var outcomes = await SubmittingHouseholdsTests.SubmitAsync(first.Registry(pki.Bandung), [Households.Valid("RESTART-1", 51)]);
                householdId = outcomes.Single().Accepted.HouseholdId;
                // A NIK met again fails a commit on its registration: PostgreSQL's log must not quote it.
                taken.Household.Members[1] = Households.Valid("RESTART-1", 51).Household.Members[1].Clone();
                Assert.NotEmpty(Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(first.Registry(pki.Bandung), [taken])).Accepted.ConflictCaseId);
            }

            var serverLog = await File.ReadAllTextAsync(Path.Combine(dataDirectory, "pgdata", "server.log"));
            Assert.Contains("duplicate key", serverLog, StringComparison.Ordinal);
            Assert.DoesNotContain(taken.Household.Members[1].Nik, serverLog, StringComparison.Ordinal);

            // The hub stopped its cluster on the way out.
            Assert.False(File.Exists(Path.Combine(dataDirectory, "pgdata", "postmaster.pid")));

            // Its folder and secrets are the owner's alone.
            const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            Assert.Equal(ownerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(dataDirectory));
            Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(dataDirectory, "superuser.password")));
            Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(dataDirectory, "cluster.owner")));

            await using var second = await RunningHub.StartEmbeddedAsync(pki, dataDirectory);
            var household = (await second.Registry(pki.Auditor).GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = householdId })).Household;
            Assert.Equal("RESTART-1", household.PartnerReference);
            Assert.Equal("dinsos-kota-bandung", household.ProposedBy.PartnerId);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Households_stored_before_the_search_terms_column_are_found_by_nik_and_program_after_a_restart()
    {
        var connectionString = await postgres.CreateDatabaseAsync("backfill");
        Household stored;
        await using (var first = await RunningHub.StartAsync(pki, connectionString))
        {
            stored = await HouseholdSteps.ActiveAsync(first, pki, 61);
            stored = await HouseholdSteps.ChangeAsync(first.Registry(pki.Steward), stored, "enrolment decree", new ChangeHouseholdRequest
            {
                EnrollInProgram = new EnrollInProgram { Membership = new ProgramMembership { Program = Interop.Contracts.Registry.V1.Program.Bpnt } },
            });
        }

        // As an earlier version left it: the row without its terms.
        await StoreProbe.CountAsync(connectionString, "with cleared as (update interop.mt_doc_household set search_terms = null returning 1) select count(*) from cleared");

        await using var second = await RunningHub.StartAsync(pki, connectionString);
        var byNik = await second.Registry(pki.Auditor).SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = stored.Members[1].Nik });
        var byProgram = await second.Registry(pki.Auditor).SearchHouseholdsAsync(new SearchHouseholdsRequest { Program = Interop.Contracts.Registry.V1.Program.Bpnt });
        Assert.Equal([stored.HouseholdId], byNik.Households.Select(h => h.HouseholdId));
        Assert.Equal([stored.HouseholdId], byProgram.Households.Select(h => h.HouseholdId));
    }

    [Fact]
    public async Task Nik_registrations_an_earlier_version_kept_as_documents_move_to_their_table_and_keep_guarding_niks_and_screening()
    {
        var connectionString = await postgres.CreateDatabaseAsync("registrations");
        Household stored;
        await using (var first = await RunningHub.StartAsync(pki, connectionString))
        {
            stored = await HouseholdSteps.ActiveAsync(first, pki, 71);
        }

        // As an earlier version left it: each registration a Marten document (without a screening key,
        // as the oldest ones were), Marten's upsert function beside it, and no plain rows.
        await StoreProbe.ExecuteAsync(connectionString, "create table interop.mt_doc_nikregistration as select lpad(nik::text, 16, '0') as id, "
            + "jsonb_build_object('Id', lpad(nik::text, 16, '0'), 'HouseholdId', household_id) as data, null::varchar as screening_key from interop.nik_registration");
        await StoreProbe.ExecuteAsync(connectionString, "create function interop.mt_upsert_nikregistration(doc jsonb) returns void language sql as 'select 1'");
        await StoreProbe.ExecuteAsync(connectionString, "truncate interop.nik_registration");

        await using var second = await RunningHub.StartAsync(pki, connectionString);
        Assert.Equal(0, await StoreProbe.CountAsync(connectionString, "select count(*) from pg_class where relname = 'mt_doc_nikregistration'"));
        Assert.Equal(0, await StoreProbe.CountAsync(connectionString, "select count(*) from pg_proc where proname like 'mt\\_%\\_nikregistration'"));
        Assert.Equal(stored.Members.Count, await StoreProbe.CountAsync(connectionString, $"select count(*) from interop.nik_registration where household_id = '{stored.HouseholdId}'"));

        // A member's NIK is still active there: a second household with it becomes a conflict case.
        var sameNik = Households.Valid("REGISTRATIONS-72", 72);
        sameNik.Household.Members[1] = stored.Members[1].Clone();
        // The head under another NIK, same name and birth date, same village: still screened as a likely duplicate.
        var lookalike = LikelyDuplicateTests.Lookalike(stored, 73, stored.Members[0].FullName);
        var outcomes = await SubmittingHouseholdsTests.SubmitAsync(second.Registry(pki.Bandung), [sameNik, lookalike]);
        var cases = new List<ConflictCase>();
        foreach (var outcome in outcomes)
        {
            cases.Add((await second.Registry(pki.Steward).GetConflictCaseAsync(new GetConflictCaseRequest { ConflictCaseId = outcome.Accepted.ConflictCaseId })).ConflictCase);
        }

        Assert.Equal([ConflictKind.NikInUse, ConflictKind.LikelyDuplicate], cases.Select(c => c.Kind));
        Assert.All(cases, c => Assert.Equal([stored.HouseholdId], c.ExistingHouseholdIds));
    }

    [Fact]
    public async Task A_proposal_held_when_an_earlier_version_ran_stays_findable_by_its_niks_after_its_next_change()
    {
        var connectionString = await postgres.CreateDatabaseAsync("heldflag");
        string heldId;
        string nik;
        await using (var first = await RunningHub.StartAsync(pki, connectionString))
        {
            var existing = await HouseholdSteps.ActiveAsync(first, pki, 81);
            var proposal = Households.Valid("HELD-82", 82);
            proposal.Household.Members[1] = existing.Members[1].Clone();
            heldId = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(first.Registry(pki.Bandung), [proposal])).Accepted.HouseholdId;
            nik = proposal.Household.Members[0].Nik;
        }

        // As an earlier version left it: the snapshot without the held-for-a-NIK-conflict flag.
        await StoreProbe.ExecuteAsync(connectionString, $"update interop.mt_doc_household set data = data - 'HeldForNikConflict' where id = '{heldId}'");

        await using var second = await RunningHub.StartAsync(pki, connectionString);
        var held = await HouseholdSteps.GetAsync(second, pki, heldId);
        await HouseholdSteps.ChangeAsync(second.Registry(pki.CivilRegistry), held, "population database", HouseholdRequests.VerifyAll(held));
        var found = await second.Registry(pki.Auditor).SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = nik });

        Assert.Equal([heldId], found.Households.Select(household => household.HouseholdId));
    }

    [Fact]
    public async Task Households_stored_before_identities_were_tracked_keep_the_civil_registrys_verdicts_after_an_upgrade()
    {
        var connectionString = await postgres.CreateDatabaseAsync("identitybackfill");
        Household verified;
        Household active;
        await using (var first = await RunningHub.StartAsync(pki, connectionString))
        {
            var proposed = await HouseholdSteps.ProposeAsync(first, pki, 83);
            verified = await HouseholdSteps.ChangeAsync(first.Registry(pki.CivilRegistry), proposed, "population database", HouseholdRequests.VerifyAll(proposed));
            active = await HouseholdSteps.ActiveAsync(first, pki, 84);
        }

        // As an earlier version left them: snapshots without the members' identity standing.
        await StoreProbe.ExecuteAsync(connectionString, "update interop.mt_doc_household set data = data - 'Confirmed' - 'ExceptedNiks'");

        await using var second = await RunningHub.StartAsync(pki, connectionString);
        Assert.Equal(0, await StoreProbe.CountAsync(connectionString, "select count(*) from interop.mt_doc_household where data -> 'Confirmed' is null"));
        Assert.Equal(verified, await HouseholdSteps.GetAsync(second, pki, verified.HouseholdId));
        Assert.Equal(active, await HouseholdSteps.GetAsync(second, pki, active.HouseholdId));
        var ratified = await HouseholdSteps.ChangeAsync(second.Registry(pki.Steward), verified, "ratified", new ChangeHouseholdRequest { RatifyHousehold = new RatifyHousehold() });
        Assert.Equal(HouseholdStatus.Active, ratified.Status);
    }

    [Fact]
    public async Task Households_stored_before_family_cards_were_registered_hold_their_numbers_after_an_upgrade()
    {
        var connectionString = await postgres.CreateDatabaseAsync("cardbackfill");
        Household existing;
        await using (var first = await RunningHub.StartAsync(pki, connectionString))
        {
            existing = await HouseholdSteps.ActiveAsync(first, pki, 85);
        }

        // As an earlier version left it: no family-card registrations.
        await StoreProbe.ExecuteAsync(connectionString, "delete from interop.family_card_registration");

        await using var second = await RunningHub.StartAsync(pki, connectionString);
        var sameCard = Households.Valid("CARD-86", 86);
        sameCard.Household.FamilyCardNumber = existing.FamilyCardNumber;
        var outcome = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(second.Registry(pki.Bandung), [sameCard]));

        Assert.NotEmpty(outcome.Accepted.ConflictCaseId);
        Assert.Equal(1, await StoreProbe.CountAsync(connectionString, "select count(*) from interop.family_card_registration"));
    }

    [Fact]
    public async Task A_hub_on_a_configured_database_without_its_audit_signing_key_stops_with_a_clear_message()
    {
        var database = await postgres.CreateDatabaseAsync("nokey");
        var garbage = Path.Combine(pki.Folder, $"garbage-{Guid.NewGuid():N}.key");
        await File.WriteAllTextAsync(garbage, "PRIVATE+KEY+not-a-key\n");

        var (unsetExit, unset, unsetOutput) = await RunUntilExitAsync($"--ConnectionStrings:Registry={database}", "--Hub:AuditSigningKey=");
        var (garbageExit, unreadable, _) = await RunUntilExitAsync($"--ConnectionStrings:Registry={database}", $"--Hub:AuditSigningKey={garbage}");
        // A key named for another log would sign checkpoints no auditor's verification accepts.
        var otherLog = Path.Combine(pki.Folder, $"other-{Guid.NewGuid():N}.key");
        using (var key = Interop.Transparency.NoteSigningKey.Create("another-hub.example/audit-log"))
        {
            key.Save(otherLog);
        }

        var (otherExit, misnamed, _) = await RunUntilExitAsync($"--ConnectionStrings:Registry={database}", $"--Hub:AuditSigningKey={otherLog}");
        var (originExit, badOrigin, _) = await RunUntilExitAsync($"--ConnectionStrings:Registry={database}", "--Hub:AuditLogOrigin=my audit log");

        Assert.Equal((2, 2, 2, 2), (unsetExit, garbageExit, otherExit, originExit));
        Assert.Contains("Hub:AuditLogOrigin \"my audit log\" cannot name the log's signing key", badOrigin, StringComparison.Ordinal);
        Assert.Contains($"is named \"another-hub.example/audit-log\", but the log's origin (Hub:AuditLogOrigin) is \"{TestPki.AuditOrigin}\"", misnamed, StringComparison.Ordinal);
        Assert.Contains("Hub:AuditSigningKey is not set", unset, StringComparison.Ordinal);
        Assert.Contains($"Hub:AuditSigningKey {garbage} holds no signing key the hub can use", unreadable, StringComparison.Ordinal);
        // The key's content is never echoed.
        Assert.DoesNotContain("not-a-key", unreadable, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", unset + unsetOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hub_not_asked_for_its_own_postgres_and_given_no_connection_string_stops_with_a_clear_message_and_creates_nothing()
    {
        var dataDirectory = Path.Combine("/tmp", $"interop-test-hub-{Guid.NewGuid():N}");

        var (exitCode, error, output) = await RunUntilExitAsync($"--Hub:DataDirectory={dataDirectory}");

        Assert.Equal(2, exitCode);
        Assert.Contains("ConnectionStrings:Registry", error, StringComparison.Ordinal);
        Assert.Contains("Hub:EmbeddedPostgres=true", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDirectory));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("forged")]
    public async Task A_hub_given_a_revocation_list_it_cannot_take_stops_with_a_clear_message(string what)
    {
        var crl = Path.Combine(pki.Folder, $"start-{what}-{Guid.NewGuid():N}.crl");
        if (what == "forged")
        {
            TestPki.WriteForeignRevocationList(crl);
        }

        var (exitCode, error, output) = await RunUntilExitAsync($"--Hub:PartnerCrl={crl}");

        Assert.Equal(2, exitCode);
        Assert.Contains($"Hub:PartnerCrl {crl}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "cannot be read")]
    [InlineData("""{ "partners": [ { "id": "dinsos-kota-bandung", "kind": "local-government", "displayName": "Dinas Sosial", "areas": [], "scopes": ["registry.read"], "certificate": "seed-dinsos-kota-bandung.crt" } ] }""", "partner dinsos-kota-bandung was refused: areas a local government serves an area")]
    [InlineData("""{ "partners": [ { "id": "bri", "kind": "bank", "displayName": "BRI", "scopes": ["registry.read"], "certificate": "seed-bri.crt" } ] }""", "may not hold registry.read")]
    [InlineData("""{ "partners": [ { "id": "bri", "kind": "bank", "displayName": "BRI", "certificate": "no-such.crt" } ] }""", "the certificate of partner bri cannot be read")]
    public async Task A_hub_given_a_partner_seed_the_directory_refuses_stops_with_a_clear_message(string seed, string message)
    {
        var path = Path.Combine(pki.Folder, $"seed-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, seed);

        var (exitCode, error, output) = await RunUntilExitAsync(
            $"--ConnectionStrings:Registry={await postgres.CreateDatabaseAsync("badseed")}", $"--Hub:PartnerSeed={path}");

        Assert.Equal(2, exitCode);
        Assert.Contains($"Hub:PartnerSeed {path}", error, StringComparison.Ordinal);
        // The last line says why, plainly (the host and the stopping services also log their own exceptions before it).
        Assert.Contains(message, error.Trim().Split('\n')[^1], StringComparison.Ordinal);
        Assert.StartsWith("Interop Hub cannot start:", error.Trim().Split('\n')[^1], StringComparison.Ordinal);
    }

    /// <summary>Runs the hub as an operator would, with the test PKI and these settings, until it exits (it is expected to refuse to start).</summary>
    private async Task<(int ExitCode, string Error, string Output)> RunUntilExitAsync(params string[] settings)
    {
        var (exitCode, output, error) = await ProcessRun.RunAsync("dotnet", [
            Repository.HubAssembly, "--Hub:Port=0", $"--Hub:PartnerCa={pki.CaPath}",
            $"--Hub:ServerCertificate={pki.ServerCertificatePath}", $"--Hub:ServerKey={pki.ServerKeyPath}", $"--Hub:AuditSigningKey={pki.AuditKeyPath}", .. settings]);
        return (exitCode, error, output);
    }

    [Fact]
    public async Task The_hub_refuses_a_postgres_running_on_its_folder_that_it_did_not_start_and_leaves_it_alone()
    {
        var dataDirectory = Path.Combine("/tmp", $"interop-test-hub-{Guid.NewGuid():N}");
        var pgdata = Path.Combine(dataDirectory, "pgdata");
        try
        {
            await using (await RunningHub.StartEmbeddedAsync(pki, dataDirectory))
            {
            }

            // Someone starts the cluster by hand (not a hub): the hub must not take it over.
            File.Delete(Path.Combine(dataDirectory, "cluster.owner"));
            await PgCtlAsync("start", "-D", pgdata, "-l", Path.Combine(pgdata, "server.log"), "-w", "-o", $"-c listen_addresses=127.0.0.1 -p {FreePort()} -k {Path.Combine(dataDirectory, "socket")}");
            var byHand = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => RunningHub.StartEmbeddedAsync(pki, dataDirectory));
            Assert.Contains("the hub does not use a server it did not start", byHand.Message, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(pgdata, "postmaster.pid")));
            await PgCtlAsync("stop", "-D", pgdata, "-m", "fast", "-w");

            // A hub in another process runs the cluster: a second hub on the folder is refused too.
            await using (var other = await HubProcess.StartAsync(pki, string.Empty, "--Hub:EmbeddedPostgres=true", $"--Hub:DataDirectory={dataDirectory}", $"--Hub:PostgresBinDirectory={PostgresCluster.BinDirectory}"))
            {
                var shared = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => RunningHub.StartEmbeddedAsync(pki, dataDirectory));
                Assert.Contains("still runs", shared.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            if (File.Exists(Path.Combine(pgdata, "postmaster.pid")))
            {
                await PgCtlAsync("stop", "-D", pgdata, "-m", "immediate", "-w");
            }

            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>pg_ctl as the user the server runs as (postgres, when the tests run as root).</summary>
    private static async Task PgCtlAsync(params string[] arguments)
    {
        var asRoot = Environment.UserName == "root";
        var start = new System.Diagnostics.ProcessStartInfo(asRoot ? "runuser" : Path.Combine(PostgresCluster.BinDirectory, "pg_ctl"))
        {
            WorkingDirectory = "/",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in asRoot ? ["-u", "postgres", "--", Path.Combine(PostgresCluster.BinDirectory, "pg_ctl"), .. arguments] : arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pg_ctl {arguments[0]} failed: {await error}");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Health_checking_and_server_reflection_are_served()
    {
        await using var hub = await RunningHub.StartAsync(pki, await postgres.CreateDatabaseAsync("lifecycle"));

        var health = await new Health.HealthClient(hub.Channel(pki.Steward)).CheckAsync(new HealthCheckRequest());
        using var reflection = new ServerReflection.ServerReflectionClient(hub.Channel(pki.Steward)).ServerReflectionInfo();
        await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        await reflection.RequestStream.CompleteAsync();
        Assert.True(await reflection.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Contains("interop.registry.v1.RegistryService", reflection.ResponseStream.Current.ListServicesResponse.Service.Select(service => service.Name));
        Assert.Contains("interop.registry.v2.RegistryService", reflection.ResponseStream.Current.ListServicesResponse.Service.Select(service => service.Name));
        Assert.Contains("grpc.health.v1.Health", reflection.ResponseStream.Current.ListServicesResponse.Service.Select(service => service.Name));
    }

    [Fact]
    public async Task The_dev_pki_script_makes_certificates_the_hub_and_the_demo_partners_use()
    {
        var folder = Directory.CreateTempSubdirectory("interop-dev-pki-").FullName;
        try
        {
            var script = Path.Combine(Repository.Root, "certs", "dev-pki.sh");
            using (var run = Process.Start(new ProcessStartInfo("bash", [script, folder]) { RedirectStandardOutput = true, RedirectStandardError = true })!)
            {
                await run.WaitForExitAsync();
                Assert.True(run.ExitCode == 0, await run.StandardError.ReadToEndAsync());
            }

            using var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(folder, "ca.crt")));
            await using var hub = await RunningHub.StartAsync(
                Path.Combine(folder, "ca.crt"),
                Path.Combine(folder, "hub.crt"),
                Path.Combine(folder, "hub.key"),
                ca,
                new() { ["ConnectionStrings:Registry"] = await postgres.CreateDatabaseAsync("devpki"), ["Hub:AuditSigningKey"] = pki.AuditKeyPath });
            var bandung = DemoPartner(folder, "dinsos-kota-bandung");
            var outcomes = await SubmittingHouseholdsTests.SubmitAsync(hub.Registry(bandung), [Households.Valid("DEMO-1", 61)]);

            foreach (var reader in new[] { "kemensos-pusdatin", "dukcapil", "bpk" })
            {
                var household = await hub.Registry(DemoPartner(folder, reader)).GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = outcomes.Single().Accepted.HouseholdId });
                Assert.Equal(new Actor { PartnerId = "dinsos-kota-bandung", PartnerKind = PartnerKind.LocalGovernment }, household.Household.ProposedBy);
            }

            var bankHealth = await new Health.HealthClient(hub.Channel(DemoPartner(folder, "bri"))).CheckAsync(new HealthCheckRequest());
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, bankHealth.Status);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 DemoPartner(string folder, string id) =>
        System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(Path.Combine(folder, $"{id}.crt"), Path.Combine(folder, $"{id}.key"));
}
