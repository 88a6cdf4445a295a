using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Interop.Contracts.Audit.V1;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>
/// An auditor replays a household to any moment or version, with the events that led there (who,
/// why, on what evidence), and reads what changed between two moments field by field and by whom,
/// over the wire and as the CLI's timeline and diff.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class AuditReplayTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "audit_replay")
{
    private ReplayService.ReplayServiceClient Auditor => new(Hub.Channel(Pki.Auditor));

    [Fact]
    public async Task A_replay_at_a_moment_between_two_events_returns_exactly_the_state_after_the_earlier_one()
    {
        var household = await MovedAsync(2101);
        var events = (await Auditor.ReplayHouseholdAsync(new ReplayHouseholdRequest { HouseholdId = household.HouseholdId })).Events;
        var earlier = events.Select((stored, i) => (stored, i)).Last(pair => pair.i + 1 < events.Count && events[pair.i + 1].Time.ToDateTimeOffset() > pair.stored.Time.ToDateTimeOffset()).stored;
        var later = events[(int)earlier.Version];
        var between = earlier.Time.ToDateTimeOffset() + ((later.Time.ToDateTimeOffset() - earlier.Time.ToDateTimeOffset()) / 2);

        var atMoment = await Auditor.ReplayHouseholdAsync(new ReplayHouseholdRequest { HouseholdId = household.HouseholdId, At = new HistoryPoint { Time = Timestamp.FromDateTimeOffset(between) } });
        var atVersion = await Auditor.ReplayHouseholdAsync(new ReplayHouseholdRequest { HouseholdId = household.HouseholdId, At = new HistoryPoint { Version = earlier.Version } });

        Assert.Equal(earlier.Version, atMoment.Version);
        Assert.Equal(atVersion.StateJson, atMoment.StateJson);
        Assert.Equal(events.Take((int)earlier.Version), atMoment.Events);
        Assert.All(atMoment.Events, stored => Assert.NotEmpty(stored.PartnerId));
    }

    [Fact]
    public async Task A_diff_names_each_field_that_changed_with_the_event_and_the_partner_that_changed_it()
    {
        var active = await HouseholdSteps.ActiveAsync(Hub, Pki, 2111);
        var moved = await HouseholdSteps.ChangeAsync(Hub.Registry(Pki.Steward), active, "moved to Semarang", new ChangeHouseholdRequest
        {
            ChangeAddress = new ChangeAddress { VillageCode = "33.74.01.1001", AddressLine = "Jl. Pemuda 1" },
        });

        var diff = await Auditor.DiffHouseholdAsync(new DiffHouseholdRequest { HouseholdId = active.HouseholdId, From = new HistoryPoint { Version = active.Version } });

        Assert.Equal((active.Version, moved.Version), (diff.FromVersion, diff.ToVersion));
        var address = Assert.Single(diff.Changes, change => change.Path.EndsWith("AddressLine", StringComparison.OrdinalIgnoreCase));
        Assert.Equal((FieldChangeKind.Changed, "\"Jl. Pemuda 1\"", moved.Version, "kemensos-pusdatin"), (address.Kind, address.AfterJson, address.Version, address.PartnerId));
        Assert.Contains(diff.Changes, change => change.Path.EndsWith("VillageCode", StringComparison.OrdinalIgnoreCase) && change.AfterJson == "\"33.74.01.1001\"");
        var moving = Assert.Single(diff.Events);
        Assert.Equal(("address_changed", "moved to Semarang"), (moving.Type, moving.Reason));

        // The same through the CLI, for a person.
        var cli = InteropCli.PartnerArguments(Hub, Pki, Pki.Auditor, "auditor");
        var (diffExit, diffOutput, diffError) = await InteropCli.RunAsync(["audit", "diff", "--household", active.HouseholdId, "--from", active.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), .. cli]);
        var (timelineExit, timeline, _) = await InteropCli.RunAsync(["audit", "timeline", "--household", active.HouseholdId, .. cli]);
        Assert.True(diffExit == 0, diffError);
        Assert.Contains("Jl. Pemuda 1", diffOutput, StringComparison.Ordinal);
        Assert.Contains($"from version {active.Version} to {moved.Version}", diffOutput, StringComparison.Ordinal);
        Assert.Equal(0, timelineExit);
        Assert.Contains("address_changed", timeline, StringComparison.Ordinal);
        Assert.Contains("moved to Semarang", timeline, StringComparison.Ordinal);
        Assert.Contains($"at version {moved.Version}", timeline, StringComparison.Ordinal);
    }

    /// <summary>
    /// Each event names the certificate the partner called with and the correlation id of the call:
    /// the partner's own (x-correlation-id) when it sends one, else the one the hub made and answered
    /// with. A correlation id that is not one short identifier, or looks like a NIK, is refused before
    /// anything is stored.
    /// </summary>
    [Fact]
    public async Task Each_event_names_the_certificate_and_the_correlation_id_of_the_call_that_caused_it()
    {
        var active = await HouseholdSteps.ActiveAsync(Hub, Pki, 2131);
        var steward = Hub.Registry(Pki.Steward);
        var moved = (await steward.ChangeHouseholdAsync(
            HouseholdRequests.For(active, "moved to Semarang", new ChangeHouseholdRequest { ChangeAddress = new ChangeAddress { VillageCode = "33.74.01.1001", AddressLine = "Jl. Pemuda 3" } }),
            new Metadata { { "x-correlation-id", "pusdatin-ticket:2026-12.0042" } })).Household;
        using var unnamed = steward.ChangeHouseholdAsync(HouseholdRequests.For(moved, "moved within Semarang", new ChangeHouseholdRequest { ChangeAddress = new ChangeAddress { VillageCode = "33.74.01.1001", AddressLine = "Jl. Pemuda 4" } }));
        var answered = (await unnamed.ResponseHeadersAsync).GetValue("x-correlation-id");
        var graduated = (await unnamed.ResponseAsync).Household;

        var events = (await Auditor.ReplayHouseholdAsync(new ReplayHouseholdRequest { HouseholdId = active.HouseholdId })).Events;

        Assert.Matches("^[0-9a-f]{32}$", answered);
        Assert.Equal(("pusdatin-ticket:2026-12.0042", answered), (events[^2].CorrelationId, events[^1].CorrelationId));
        var thumbprint = Pki.Steward.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Assert.All(events.Skip(events.Count - 2), stored => Assert.Equal(thumbprint, stored.CertificateThumbprint));
        // Proposed by Kota Bandung with its own certificate.
        Assert.Equal(Pki.Bandung.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), events[0].CertificateThumbprint);
        Assert.All(events, stored => Assert.NotEmpty(stored.CorrelationId));

        foreach (var refused in new[] { graduated.Members[0].Nik, $"ticket-{graduated.Members[0].Nik[..8]}.{graduated.Members[0].Nik[8..]}", new string('a', 65), "two words", "-leading" })
        {
            var refusal = await Assert.ThrowsAsync<RpcException>(() => steward.ChangeHouseholdAsync(
                HouseholdRequests.For(graduated, "deactivated", new ChangeHouseholdRequest { DeactivateHousehold = new DeactivateHousehold() }),
                new Metadata { { "x-correlation-id", refused } }).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
            Assert.Equal(["x-correlation-id"], refusal.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Select(violation => violation.Field));
            Assert.DoesNotContain(graduated.Members[0].Nik, refusal.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(graduated, await HouseholdSteps.GetAsync(Hub, Pki, graduated.HouseholdId));
    }

    /// <summary>
    /// A partner's record in the directory and a disbursement batch replay and diff like a household:
    /// the state at each version, the events with who and why, each field change attributed; over the
    /// wire and through the CLI. Records that do not exist, or of another kind, are NOT_FOUND.
    /// </summary>
    [Fact]
    public async Task A_partners_record_and_a_batch_replay_and_diff_like_a_household()
    {
        var admin = Hub.PartnerAdmin(Pki.Steward);
        var registered = await Hub.RegisterAsync(Pki.Steward, Pki.Partner("dinsos-kota-cimahi", "local-government", "32.77"));
        var suspended = (await admin.SuspendPartnerAsync(new Interop.Contracts.Partners.V1.SuspendPartnerRequest { PartnerId = "dinsos-kota-cimahi", ExpectedVersion = registered.Version, Reason = "Data breach reported" })).Partner;
        var reinstated = (await admin.ReinstatePartnerAsync(new Interop.Contracts.Partners.V1.ReinstatePartnerRequest { PartnerId = "dinsos-kota-cimahi", ExpectedVersion = suspended.Version, Reason = "Breach contained" })).Partner;
        var cimahi = new RecordRef { PartnerId = "dinsos-kota-cimahi" };

        var atSuspension = await Auditor.ReplayRecordAsync(new ReplayRecordRequest { Record = cimahi, At = new HistoryPoint { Version = suspended.Version } });
        var now = await Auditor.ReplayRecordAsync(new ReplayRecordRequest { Record = cimahi });
        var diff = await Auditor.DiffRecordAsync(new DiffRecordRequest { Record = cimahi, From = new HistoryPoint { Version = registered.Version } });

        Assert.Equal((suspended.Version, reinstated.Version), (atSuspension.Version, now.Version));
        Assert.Contains("\"Status\":\"Suspended\"", atSuspension.StateJson, StringComparison.Ordinal);
        Assert.Contains("\"Status\":\"Active\"", now.StateJson, StringComparison.Ordinal);
        Assert.Equal(["partner_registered", "partner_suspended", "partner_reinstated"], now.Events.Select(stored => stored.Type));
        Assert.Equal(("kemensos-pusdatin", "Data breach reported"), (atSuspension.Events[^1].PartnerId, atSuspension.Events[^1].Reason));
        Assert.Equal(Pki.Steward.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), atSuspension.Events[^1].CertificateThumbprint);
        Assert.Equal(
            [(suspended.Version, "\"Active\"", "\"Suspended\""), (reinstated.Version, "\"Suspended\"", "\"Active\"")],
            diff.Changes.Where(change => change.Path == "Status").Select(change => (change.Version, change.BeforeJson, change.AfterJson)));

        // A batch: issued, then sealed by the steward.
        await PaymentSteps.FundedAsync(Hub, Pki, 2141, Pki.Bank);
        var batch = await PaymentSteps.SealedBatchAsync(Hub, Pki, PaymentSteps.Issue("PKH-2026-S4-REPLAY", 4));
        var ofBatch = new RecordRef { BatchId = batch.BatchId };
        var issued = await Auditor.ReplayRecordAsync(new ReplayRecordRequest { Record = ofBatch, At = new HistoryPoint { Version = 1 } });
        var batchDiff = await Auditor.DiffRecordAsync(new DiffRecordRequest { Record = ofBatch, From = new HistoryPoint { Version = 1 } });

        Assert.Contains("\"Status\":\"Issued\"", issued.StateJson, StringComparison.Ordinal);
        Assert.Equal(["batch_issued"], issued.Events.Select(stored => stored.Type));
        var sealing = Assert.Single(batchDiff.Changes, change => change.Path == "Status");
        Assert.Equal(("\"Sealed\"", "kemensos-pusdatin"), (sealing.AfterJson, sealing.PartnerId));
        Assert.Equal("agreed with the budget office", Assert.Single(batchDiff.Events).Reason);

        // The CLI, for a person.
        var cli = InteropCli.PartnerArguments(Hub, Pki, Pki.Auditor, "auditor");
        var (timelineExit, timeline, timelineError) = await InteropCli.RunAsync(["audit", "timeline", "--of-partner", "dinsos-kota-cimahi", .. cli]);
        var (diffExit, diffOutput, _) = await InteropCli.RunAsync(["audit", "diff", "--batch", batch.BatchId, "--from", "1", .. cli]);
        var (bothExit, _, bothError) = await InteropCli.RunAsync(["audit", "timeline", "--of-partner", "dinsos-kota-cimahi", "--batch", batch.BatchId, .. cli]);
        Assert.True(timelineExit == 0, timelineError);
        Assert.Contains("partner_suspended", timeline, StringComparison.Ordinal);
        Assert.Contains($"Partner dinsos-kota-cimahi at version {reinstated.Version}", timeline, StringComparison.Ordinal);
        Assert.Equal(0, diffExit);
        Assert.Contains($"Batch {batch.BatchId} from version 1 to 2", diffOutput, StringComparison.Ordinal);
        Assert.NotEqual(0, bothExit);
        Assert.Contains("exactly one record", bothError, StringComparison.Ordinal);

        // Refused: nothing of that kind, a malformed id, no record named.
        var household = await HouseholdSteps.ProposeAsync(Hub, Pki, 2142);
        foreach (var (record, code, field) in new[]
        {
            (new RecordRef { PartnerId = "dinsos-kota-nowhere" }, StatusCode.NotFound, (string?)null),
            (new RecordRef { BatchId = household.HouseholdId }, StatusCode.NotFound, null),
            (new RecordRef { HouseholdId = batch.BatchId }, StatusCode.NotFound, null),
            (new RecordRef { PartnerId = "Not A Partner!" }, StatusCode.InvalidArgument, "record.partner_id"),
            (new RecordRef { BatchId = "batch-7" }, StatusCode.InvalidArgument, "record.batch_id"),
            (new RecordRef(), StatusCode.InvalidArgument, "record"),
        })
        {
            var refusal = await Assert.ThrowsAsync<RpcException>(() => Auditor.ReplayRecordAsync(new ReplayRecordRequest { Record = record }).ResponseAsync);
            Assert.Equal(code, refusal.StatusCode);
            if (field is not null)
            {
                Assert.Equal([field], refusal.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Select(violation => violation.Field));
            }
        }
    }

    /// <summary>
    /// One disbursement line: as issued (version 0), then after the bank's confirmation, with the
    /// change attributed to the bank; the read is in the access log against the line's household.
    /// </summary>
    [Fact]
    public async Task A_disbursement_line_replays_as_issued_and_after_each_payment_event()
    {
        var household = await PaymentSteps.FundedAsync(Hub, Pki, 2151, Pki.Bank);
        var batch = await PaymentSteps.SealedBatchAsync(Hub, Pki, PaymentSteps.Issue("PKH-2026-S1-LINE", 1));
        var bank = new Interop.Contracts.Disbursement.V1.PaymentService.PaymentServiceClient(Hub.Channel(Pki.Bank, purpose: "disbursement-payment"));
        var pay = (await PaymentSteps.LinesAsync(bank)).Select(item => item.Pay).Single(line => line is not null && line.BatchId == batch.BatchId);
        await PaymentSteps.ConfirmAsync(bank, [new Interop.Contracts.Disbursement.V1.PaymentConfirmation
        {
            EndToEndId = pay.EndToEndId, Status = Interop.Contracts.Disbursement.V1.PaymentStatus.Settled, Amount = pay.Amount, Currency = "IDR", BankReference = "BRI-REPLAY-1",
        }]);
        var line = new RecordRef { DisbursementLine = new DisbursementLineRef { BatchId = batch.BatchId, LineNumber = pay.LineNumber } };

        var issued = await Auditor.ReplayRecordAsync(new ReplayRecordRequest { Record = line, At = new HistoryPoint { Version = 0 } });
        var now = await Auditor.ReplayRecordAsync(new ReplayRecordRequest { Record = line });
        var diff = await Auditor.DiffRecordAsync(new DiffRecordRequest { Record = line, From = new HistoryPoint { Version = 0 } });

        Assert.Equal((0L, 1L), (issued.Version, now.Version));
        Assert.Contains("\"Status\":\"Unspecified\"", issued.StateJson, StringComparison.Ordinal);
        Assert.Contains("\"Status\":\"Settled\"", now.StateJson, StringComparison.Ordinal);
        Assert.Contains(pay.EndToEndId, now.StateJson, StringComparison.Ordinal);
        var applied = Assert.Single(now.Events);
        Assert.Equal(("applied", "bri", "BRI-REPLAY-1"), (applied.Type, applied.PartnerId, applied.EvidenceReference));
        Assert.Equal(Pki.Bank.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), applied.CertificateThumbprint);
        Assert.Matches("^[0-9a-f]{32}$", applied.CorrelationId);
        Assert.Contains(diff.Changes, change => change.Path == "Status" && change.AfterJson == "\"Settled\"" && change.PartnerId == "bri");
        Assert.Equal([household.HouseholdId], now.HouseholdIds);
        // Account numbers are the steward's and the recipient's bank's to see, not an auditor's: withheld everywhere in the answers.
        const string account = "002101000102151";
        var householdReplay = await Auditor.ReplayRecordAsync(new ReplayRecordRequest { Record = new RecordRef { HouseholdId = household.HouseholdId } });
        var householdDiff = await Auditor.DiffRecordAsync(new DiffRecordRequest { Record = new RecordRef { HouseholdId = household.HouseholdId }, From = new HistoryPoint { Version = 1 } });
        Assert.Contains("AccountNumber", householdReplay.StateJson, StringComparison.Ordinal);
        foreach (var answer in new Google.Protobuf.IMessage[] { issued, now, diff, householdReplay, householdDiff })
        {
            Assert.DoesNotContain(account, answer.ToString(), StringComparison.Ordinal);
        }

        // Evidence covers what a checkpoint covers: once the account's event is covered, the package would hold the number.
        await AuditLogSteps.SettledLogAsync(ConnectionString);
        var evidence = await Assert.ThrowsAsync<RpcException>(() => new AuditLogService.AuditLogServiceClient(Hub.Channel(Pki.Auditor)).GetHouseholdEvidenceAsync(new GetHouseholdEvidenceRequest { HouseholdId = household.HouseholdId }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, evidence.StatusCode);
        Assert.DoesNotContain(account, evidence.Status.Detail, StringComparison.Ordinal);
        Assert.True(await StoreProbe.CountAsync(ConnectionString, $"select count(*) from interop.access_log where method like '%ReplayRecord' and '{household.HouseholdId}' = any(households)") >= 1);

        foreach (var (record, code) in new[]
        {
            (new RecordRef { DisbursementLine = new DisbursementLineRef { BatchId = batch.BatchId, LineNumber = 999 } }, StatusCode.NotFound),
            (new RecordRef { DisbursementLine = new DisbursementLineRef { BatchId = household.HouseholdId, LineNumber = 1 } }, StatusCode.NotFound),
            (new RecordRef { DisbursementLine = new DisbursementLineRef { BatchId = batch.BatchId, LineNumber = 0 } }, StatusCode.InvalidArgument),
        })
        {
            Assert.Equal(code, (await Assert.ThrowsAsync<RpcException>(() => Auditor.ReplayRecordAsync(new ReplayRecordRequest { Record = record }).ResponseAsync)).StatusCode);
        }

        Assert.Equal(StatusCode.OutOfRange, (await Assert.ThrowsAsync<RpcException>(() => Auditor.ReplayRecordAsync(new ReplayRecordRequest { Record = line, At = new HistoryPoint { Version = 2 } }).ResponseAsync)).StatusCode);
        var cli = InteropCli.PartnerArguments(Hub, Pki, Pki.Auditor, "auditor");
        var (exit, timeline, error) = await InteropCli.RunAsync(["audit", "timeline", "--batch", batch.BatchId, "--line", pay.LineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture), .. cli]);
        Assert.True(exit == 0, error);
        Assert.Contains($"Line {pay.LineNumber} of batch {batch.BatchId} at version 1", timeline, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replays_that_cannot_be_answered_are_refused_with_the_field_at_fault()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 2121);
        var id = household.HouseholdId;

        var refusals = new[]
        {
            await Refused(() => new ReplayService.ReplayServiceClient(Hub.Channel(Pki.Auditor, purpose: "audit-examination")).ReplayHouseholdAsync(new ReplayHouseholdRequest { HouseholdId = id }).ResponseAsync),
            await Refused(() => new ReplayService.ReplayServiceClient(Hub.Channel(Pki.Bank)).ReplayHouseholdAsync(new ReplayHouseholdRequest { HouseholdId = id }).ResponseAsync),
            await Refused(() => Auditor.ReplayHouseholdAsync(new ReplayHouseholdRequest { HouseholdId = id, At = new HistoryPoint { Version = household.Version + 1 } }).ResponseAsync),
            await Refused(() => Auditor.ReplayHouseholdAsync(new ReplayHouseholdRequest { HouseholdId = id, At = new HistoryPoint { Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch) } }).ResponseAsync),
            await Refused(() => Auditor.ReplayHouseholdAsync(new ReplayHouseholdRequest { HouseholdId = id, At = new HistoryPoint { Time = new Timestamp { Seconds = -62135596801 } } }).ResponseAsync),
            await Refused(() => Auditor.DiffHouseholdAsync(new DiffHouseholdRequest { HouseholdId = id, From = new HistoryPoint { Version = 3 }, To = new HistoryPoint { Version = 1 } }).ResponseAsync),
            await Refused(() => Auditor.DiffHouseholdAsync(new DiffHouseholdRequest { HouseholdId = id }).ResponseAsync),
            await Refused(() => Auditor.ReplayHouseholdAsync(new ReplayHouseholdRequest { HouseholdId = Guid.NewGuid().ToString() }).ResponseAsync),
            await Refused(() => Auditor.ReplayHouseholdAsync(new ReplayHouseholdRequest { HouseholdId = "\u200b" + id }).ResponseAsync),
            // Another kind's stream (the partner directory's record of a bank) is no household.
            await Refused(() => Auditor.ReplayHouseholdAsync(new ReplayHouseholdRequest { HouseholdId = Interop.Hub.Storage.PartnerRecords.StreamOf("bri").ToString() }).ResponseAsync),
            await Refused(() => Auditor.DiffHouseholdAsync(new DiffHouseholdRequest { HouseholdId = Interop.Hub.Storage.PartnerRecords.StreamOf("bri").ToString(), From = new HistoryPoint { Version = 0 } }).ResponseAsync),
            await Refused(() => new AuditLogService.AuditLogServiceClient(Hub.Channel(Pki.Auditor)).GetHouseholdEvidenceAsync(new GetHouseholdEvidenceRequest { HouseholdId = Interop.Hub.Storage.PartnerRecords.StreamOf("bri").ToString() }).ResponseAsync),
        };

        Assert.Equal(
            [StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.OutOfRange, StatusCode.OutOfRange, StatusCode.InvalidArgument, StatusCode.OutOfRange, StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.InvalidArgument,
             StatusCode.NotFound, StatusCode.NotFound, StatusCode.NotFound],
            refusals.Select(refusal => refusal.StatusCode));
    }

    /// <summary>
    /// A household with a long history reads the same at every version and moment whether folded
    /// from its first event or from the state the hub keeps every 16 versions; a kept state edited
    /// behind the hub's back does not carry its seal and is passed over (and kept again, sealed).
    /// </summary>
    [Fact]
    public async Task A_long_history_reads_the_same_at_every_point_through_the_states_kept_beside_it()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 2181);
        var steward = Hub.Registry(Pki.Steward);
        var registry = new Interop.Contracts.Registry.V2.RegistryService.RegistryServiceClient(Hub.Channel(Pki.Auditor));
        async Task<Interop.Contracts.Registry.V2.Household> ReadAsync(long? version = null, Timestamp? moment = null)
        {
            var request = new Interop.Contracts.Registry.V2.GetHouseholdRequest { HouseholdId = household.HouseholdId };
            if (version is { } number)
            {
                request.AsOfVersion = number;
            }

            if (moment is not null)
            {
                request.AsOfTime = moment;
            }

            return (await registry.GetHouseholdAsync(request)).Household;
        }

        // As each version is written, the household as read now (the stored projection, not a fold).
        var seen = new Dictionary<long, Interop.Contracts.Registry.V2.Household> { [household.Version] = await ReadAsync() };
        while (household.Version < 70)
        {
            household = await HouseholdSteps.ChangeAsync(steward, household, "moved within Semarang", new ChangeHouseholdRequest
            {
                ChangeAddress = new ChangeAddress { VillageCode = "33.74.01.1001", AddressLine = $"Jl. Pemuda {household.Version}" },
            });
            seen[household.Version] = await ReadAsync();
        }

        // Twice: the first pass folds from the first event and keeps the states at versions 16, 32, 48 and 64, the second reads through them.
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var (version, expected) in seen)
            {
                Assert.Equal(expected, await ReadAsync(version));
            }
        }

        var kept = $"select count(*) from interop.household_state where household_id = '{household.HouseholdId}'";
        Assert.Equal(4, await StoreProbe.CountAsync(ConnectionString, kept + " and version in (16, 32, 48, 64)"));
        Assert.Equal(4, await StoreProbe.CountAsync(ConnectionString, kept));
        var history = await HouseholdSteps.HistoryAsync(Hub, Pki, household.HouseholdId);
        Assert.Equal(seen[66], await ReadAsync(moment: history.Single(e => e.Version == 66).OccurTime));
        Assert.Equal(seen[64], await ReadAsync(moment: history.Single(e => e.Version == 64).OccurTime));

        // The reads from version 16 on start from a kept state: a proposal edited in the events now
        // shows in a fold from the first event, not in a read through the state kept before the edit.
        string Proposal(string cardNumber) =>
            $"update interop.mt_events set data = jsonb_set(data, '{{FamilyCardNumber}}', to_jsonb('{cardNumber}'::text)) where stream_id = '{household.HouseholdId}' and version = 1";
        await StoreProbe.ExecuteAsync(ConnectionString, Proposal("3273019999999999"));
        var (throughKept, fromFirst) = (await ReadAsync(70), await ReadAsync(15));
        await StoreProbe.ExecuteAsync(ConnectionString, Proposal(household.FamilyCardNumber));
        Assert.Equal((household.FamilyCardNumber, "3273019999999999"), (throughKept.FamilyCardNumber, fromFirst.FamilyCardNumber));

        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.household_state set state = replace(state, 'Jl. Pemuda 63', 'Jl. Palsu 63') where household_id = '{household.HouseholdId}'");

        Assert.Equal(seen[64], await ReadAsync(64));
        Assert.Equal(seen[70], await ReadAsync(70));
        Assert.Equal(0, await StoreProbe.CountAsync(ConnectionString, kept + " and state like '%Jl. Palsu%'"));
    }

    private async Task<Household> MovedAsync(int serial)
    {
        var active = await HouseholdSteps.ActiveAsync(Hub, Pki, serial);
        await Task.Delay(50);
        return await HouseholdSteps.ChangeAsync(Hub.Registry(Pki.Steward), active, "moved to Semarang", new ChangeHouseholdRequest
        {
            ChangeAddress = new ChangeAddress { VillageCode = "33.74.01.1001", AddressLine = "Jl. Pemuda 1" },
        });
    }

    private static async Task<RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);
}
