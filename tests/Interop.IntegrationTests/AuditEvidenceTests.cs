using System.Text;
using Grpc.Core;
using Interop.Contracts.Audit.V1;
using Interop.IntegrationTests.Infrastructure;
using Interop.Transparency;

namespace Interop.IntegrationTests;

/// <summary>
/// An auditor takes a household's evidence package away (its events, each with its inclusion proof
/// and the checkpoint the hub signed and BPK cosigned) and verifies it later with the two public
/// keys only: no hub, no database. One flipped byte anywhere in the package fails verification.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class AuditEvidenceTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "audit_evidence")
{
    private readonly NoteSigningKey witness = NoteSigningKey.Create("bpk.go.id/witness", NoteVerifierKey.CosignatureV1);
    private readonly string folder = Directory.CreateTempSubdirectory("interop-evidence-").FullName;
    private string hubKey = string.Empty;
    private Interop.Contracts.Registry.V1.Household household = null!;

    protected override Dictionary<string, string?> Settings => new() { ["Hub:AuditWitnesses:0"] = witness.Verifier.ToString() };

    private string PackagePath => Path.Combine(folder, "evidence.json");

    public override async Task InitializeAsync()
    {
        witness.Save(Path.Combine(folder, "witness.key"));
        await base.InitializeAsync();
        using (var key = NoteSigningKey.Parse(await File.ReadAllTextAsync(Pki.AuditKeyPath)))
        {
            hubKey = key.Verifier.ToString();
        }

        household = await PaymentSteps.EnrolInPkhAsync(Hub, Pki, await HouseholdSteps.ActiveAsync(Hub, Pki, 2001), Interop.Contracts.Registry.V1.PkhComponent.Elderly);
        await AuditLogSteps.SettledLogAsync(ConnectionString);
        var (exit, _, error) = await InteropCli.RunAsync(["audit", "witness", "--trust", hubKey, "--witness-key", Path.Combine(folder, "witness.key"), "--state", Path.Combine(folder, "witness.state"), .. Auditor()]);
        Assert.True(exit == 0, error);
        var (evidenceExit, evidenceOutput, evidenceError) = await InteropCli.RunAsync(["audit", "evidence", "--household", household.HouseholdId, "--out", PackagePath, .. Auditor()]);
        Assert.True(evidenceExit == 0, evidenceError + evidenceOutput);
    }

    [Fact]
    public async Task A_households_evidence_package_verifies_offline_with_the_two_public_keys_only()
    {
        var package = EvidencePackage.Parse(await File.ReadAllTextAsync(PackagePath));
        var events = await StoreProbe.CountAsync(ConnectionString, $"select count(*) from interop.mt_events where stream_id = '{household.HouseholdId}'");

        // No --hub, no certificate: the command never connects.
        var (exit, output, _) = await InteropCli.RunAsync("audit", "check-evidence", PackagePath, "--trust", hubKey, "--witness", witness.Verifier.ToString());

        Assert.Equal(0, exit);
        Assert.Contains($"The package verifies: {events} entries of household {household.HouseholdId}", output, StringComparison.Ordinal);
        Assert.Equal(events, package.Leaves.Count);
        Assert.All(package.Leaves, leaf => Assert.Contains(SignedNote.Parse(TlogProof.Parse(leaf.Proof).Checkpoint).Signatures, signature => signature.KeyName == "bpk.go.id/witness"));
        // The read is in the access log against the household.
        Assert.True(await StoreProbe.CountAsync(ConnectionString, $"select count(*) from interop.access_log where method like '%GetRecordEvidence' and '{household.HouseholdId}' = any(households)") >= 1);
    }

    [Fact]
    public async Task An_evidence_package_with_one_flipped_byte_fails_verification()
    {
        var original = await File.ReadAllBytesAsync(PackagePath);
        var hub = NoteVerifierKey.Parse(hubKey);
        var accepted = new List<int>();
        // Every byte flipped in turn and checked in process, the same verification the command runs.
        for (var position = 0; position < original.Length; position++)
        {
            if (Verifies(Flipped(original, position), hub))
            {
                accepted.Add(position);
            }
        }

        Assert.True(Verifies(original, hub));
        Assert.True(accepted.Count == 0, string.Join(" | ", accepted.Select(position => Encoding.UTF8.GetString(original, Math.Max(0, position - 60), 120))));

        // And through the command, at the entry, a proof hash, the checkpoint's root and the hub's signature.
        var text = Encoding.UTF8.GetString(original);
        var package = EvidencePackage.Parse(text);
        var proof = TlogProof.Parse(package.Leaves[0].Proof);
        var note = SignedNote.Parse(proof.Checkpoint);
        var targets = new[]
        {
            Find(text, "\"data\":") + 12,
            Find(text, Convert.ToBase64String(proof.Hashes[0])) + 5,
            Find(text, Convert.ToBase64String(Checkpoint.Parse(note.Text).Root)) + 7,
            Find(text, note.Signatures[0].Line[^20..^1]),
        };
        foreach (var target in targets)
        {
            Assert.True(target > 10, "a target was not found in the package");
            var tampered = Path.Combine(folder, $"tampered-{target}.json");
            await File.WriteAllBytesAsync(tampered, Flipped(original, Encoding.UTF8.GetByteCount(text[..target])));
            var (exit, output, _) = await InteropCli.RunAsync("audit", "check-evidence", tampered, "--trust", hubKey, "--witness", witness.Verifier.ToString());
            Assert.Equal(AuditLogSteps.AuditExit, exit);
            Assert.Contains("does NOT verify", output, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A disbursement line's package: its row as issued, then the bank's confirmation with the
    /// certificate the bank called with and the call's correlation id. The row holds the recipient's
    /// account number, which an auditor's view does not show: it is withheld, its place in the log
    /// proven by its hash and what it is by the hub's signed statement. What a partner writes in a
    /// value (a correlation id naming "account_number") withholds nothing. The package verifies
    /// offline; one flipped byte anywhere fails it.
    /// </summary>
    [Fact]
    public async Task A_disbursement_lines_evidence_holds_its_row_and_payment_events_with_the_account_number_withheld()
    {
        var funded = await PaymentSteps.FundedAsync(Hub, Pki, 2003, Pki.Bank);
        var batch = await PaymentSteps.SealedBatchAsync(Hub, Pki, PaymentSteps.Issue("PKH-2026-S1-EVIDENCE", 1));
        var bank = new Interop.Contracts.Disbursement.V1.PaymentService.PaymentServiceClient(Hub.Channel(Pki.Bank, purpose: "disbursement-payment"));
        var pay = (await PaymentSteps.LinesAsync(bank)).Select(item => item.Pay).Single(line => line is not null && line.BatchId == batch.BatchId);
        using (var call = bank.ConfirmPayments(new Metadata { { "x-correlation-id", "bri-account_number-2026-12-03.7" } }))
        {
            await call.RequestStream.WriteAsync(new Interop.Contracts.Disbursement.V1.ConfirmPaymentsRequest
            {
                Confirmations =
                {
                    new Interop.Contracts.Disbursement.V1.PaymentConfirmation
                    {
                        EndToEndId = pay.EndToEndId, Status = Interop.Contracts.Disbursement.V1.PaymentStatus.Settled, Amount = pay.Amount, Currency = "IDR", BankReference = "BRI-EVIDENCE-1",
                    },
                },
            });
            await call.RequestStream.CompleteAsync();
            Assert.Single(await call.ResponseStream.ReadAllAsync().SelectMany(response => response.Answers.ToAsyncEnumerable()).ToListAsync());
        }

        await AuditLogSteps.SettledLogAsync(ConnectionString);
        var (witnessed, _, witnessError) = await InteropCli.RunAsync(["audit", "witness", "--trust", hubKey, "--witness-key", Path.Combine(folder, "witness.key"), "--state", Path.Combine(folder, "witness.state"), .. Auditor()]);
        Assert.True(witnessed == 0, witnessError);
        var path = Path.Combine(folder, "line.json");
        var (fetched, fetchOutput, fetchError) = await InteropCli.RunAsync(["audit", "evidence", "--batch", batch.BatchId, "--line", pay.LineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", path, .. Auditor()]);
        Assert.True(fetched == 0, fetchError + fetchOutput);

        var (exit, output, _) = await InteropCli.RunAsync("audit", "check-evidence", path, "--trust", hubKey, "--witness", witness.Verifier.ToString());

        Assert.Equal(0, exit);
        Assert.Contains($"The package verifies: 2 entries of disbursement_line {batch.BatchId}/{pay.LineNumber}", output, StringComparison.Ordinal);
        Assert.Contains("1 of them withheld by the hub", output, StringComparison.Ordinal);
        var text = await File.ReadAllTextAsync(path);
        var package = EvidencePackage.Parse(text);
        Assert.Equal(["disbursement_line", "payment"], package.Leaves.Select(leaf => leaf.Source));
        Assert.Equal((EvidenceSubjects.HoldsAccountNumber, string.Empty), (package.Leaves[0].Withheld, package.Leaves[0].Entry));
        Assert.DoesNotContain("0021010001", text, StringComparison.Ordinal);
        using (var payment = System.Text.Json.JsonDocument.Parse(package.Leaves[1].Entry))
        {
            Assert.Equal(
                (Pki.Bank.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), "bri-account_number-2026-12-03.7", "Settled"),
                (payment.RootElement.GetProperty("certificate").GetString(), payment.RootElement.GetProperty("correlation").GetString(), payment.RootElement.GetProperty("status").GetString()));
        }

        // The row is the one stored: its hash is recomputed from it here, behind the hub.
        var row = await StoreProbe.CountAsync(ConnectionString, $"select count(*) from interop.audit_leaf as l join interop.disbursement_line as d on l.source = 2 and l.ref = d.sequence where l.idx = {package.Leaves[0].Index} and encode(l.hash, 'base64') = '{package.Leaves[0].LeafHash}' and d.batch_id = '{batch.BatchId}' and d.line_number = {pay.LineNumber}");
        Assert.Equal(1, row);
        var hub = NoteVerifierKey.Parse(hubKey);
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.True(Verifies(bytes, hub));
        var accepted = Enumerable.Range(0, bytes.Length).Where(position => Verifies(Flipped(bytes, position), hub)).ToList();
        Assert.True(accepted.Count == 0, string.Join(" | ", accepted.Select(position => $"{position}: " + Encoding.UTF8.GetString(bytes, Math.Max(0, position - 40), 80))));
        Assert.True(await StoreProbe.CountAsync(ConnectionString, $"select count(*) from interop.access_log where method like '%GetRecordEvidence' and '{funded.HouseholdId}' = any(households)") >= 1);

        // The recipient's household: its account's opening is withheld the same way, the rest shown.
        var householdPath = Path.Combine(folder, "recipient.json");
        Assert.Equal(0, (await InteropCli.RunAsync(["audit", "evidence", "--household", funded.HouseholdId, "--out", householdPath, .. Auditor()])).ExitCode);
        // (The line's package was read since the witness last cosigned: the newest checkpoint is the hub's alone.)
        var (householdExit, householdOutput, _) = await InteropCli.RunAsync("audit", "check-evidence", householdPath, "--trust", hubKey);
        Assert.True(householdExit == 0, householdOutput);
        Assert.Contains("1 of them withheld by the hub", householdOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("0021010001", await File.ReadAllTextAsync(householdPath), StringComparison.Ordinal);

        // Not through a purpose that masks records, and not a bank (no audit.read).
        var lineRecord = new RecordRef { DisbursementLine = new DisbursementLineRef { BatchId = batch.BatchId, LineNumber = pay.LineNumber } };
        foreach (var client in new[] { Hub.Channel(Pki.Auditor, purpose: "audit-examination"), Hub.Channel(Pki.Bank, purpose: "disbursement-payment") })
        {
            var refusal = await Assert.ThrowsAsync<RpcException>(() => new AuditLogService.AuditLogServiceClient(client).GetRecordEvidenceAsync(new GetRecordEvidenceRequest { Record = lineRecord }).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
        }

        var auditor = new AuditLogService.AuditLogServiceClient(Hub.Channel(Pki.Auditor));
        foreach (var (record, code, field) in new[]
        {
            (new RecordRef { DisbursementLine = new DisbursementLineRef { BatchId = batch.BatchId, LineNumber = 999 } }, StatusCode.NotFound, string.Empty),
            (new RecordRef { BatchId = household.HouseholdId }, StatusCode.NotFound, string.Empty),
            (new RecordRef { PartnerId = "Dinsos Kota Bandung" }, StatusCode.InvalidArgument, "record.partner_id"),
            (new RecordRef { DisbursementLine = new DisbursementLineRef { BatchId = batch.BatchId, LineNumber = -1 } }, StatusCode.InvalidArgument, "record.disbursement_line.line_number"),
            (new RecordRef(), StatusCode.InvalidArgument, "record"),
        })
        {
            var refusal = await Assert.ThrowsAsync<RpcException>(() => auditor.GetRecordEvidenceAsync(new GetRecordEvidenceRequest { Record = record }).ResponseAsync);
            Assert.Equal(code, refusal.StatusCode);
            if (field.Length > 0)
            {
                Assert.Equal([field], refusal.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Select(violation => violation.Field));
            }
        }
    }

    /// <summary>
    /// A partner's record and a batch have packages too: their events from the one that began them,
    /// verified offline. A line the steward cancelled holds its row, the cancellation and the notice
    /// its bank was sent.
    /// </summary>
    [Fact]
    public async Task A_partners_record_a_batchs_and_a_cancelled_lines_evidence_verify_offline()
    {
        await PaymentSteps.FundedAsync(Hub, Pki, 2005, Pki.Bank);
        var batch = await PaymentSteps.SealedBatchAsync(Hub, Pki, PaymentSteps.Issue("PKH-2026-S1-BATCH-EVIDENCE", 1));
        var bank = new Interop.Contracts.Disbursement.V1.PaymentService.PaymentServiceClient(Hub.Channel(Pki.Bank, purpose: "disbursement-payment"));
        var pay = (await PaymentSteps.LinesAsync(bank)).Select(item => item.Pay).Single(line => line is not null && line.BatchId == batch.BatchId);
        var steward = new Interop.Contracts.Disbursement.V1.DisbursementBatchService.DisbursementBatchServiceClient(Hub.Channel(Pki.Steward, purpose: "disbursement-issuing"));
        await steward.CancelLineAsync(new Interop.Contracts.Disbursement.V1.CancelLineRequest { BatchId = batch.BatchId, LineNumber = pay.LineNumber, Reason = "the recipient moved abroad" });
        await AuditLogSteps.SettledLogAsync(ConnectionString);

        var linePath = Path.Combine(folder, "cancelled-line.json");
        var (lineFetched, lineFetchOutput, lineFetchError) = await InteropCli.RunAsync(["audit", "evidence", "--batch", batch.BatchId, "--line", pay.LineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", linePath, .. Auditor()]);
        Assert.True(lineFetched == 0, lineFetchError + lineFetchOutput);
        var (lineExit, lineOutput, _) = await InteropCli.RunAsync("audit", "check-evidence", linePath, "--trust", hubKey);
        Assert.True(lineExit == 0, lineOutput);
        var line = EvidencePackage.Parse(await File.ReadAllTextAsync(linePath));
        Assert.Equal(["disbursement_line", "payment", "bank_instruction"], line.Leaves.Select(leaf => leaf.Source));
        Assert.Contains("\"kind\":\"cancelled\"", line.Leaves[1].Entry, StringComparison.Ordinal);
        Assert.Contains("the recipient moved abroad", line.Leaves[1].Entry, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"cancelled\"", line.Leaves[2].Entry, StringComparison.Ordinal);

        foreach (var (option, id, subject) in new[] { ("--of-partner", "dinsos-kota-bandung", "partner dinsos-kota-bandung"), ("--batch", batch.BatchId, $"batch {batch.BatchId}") })
        {
            var path = Path.Combine(folder, $"{option[2..]}.json");
            var (fetched, fetchOutput, fetchError) = await InteropCli.RunAsync(["audit", "evidence", option, id, "--out", path, .. Auditor()]);
            Assert.True(fetched == 0, fetchError + fetchOutput);

            var (exit, output, _) = await InteropCli.RunAsync("audit", "check-evidence", path, "--trust", hubKey);

            Assert.True(exit == 0, output);
            Assert.Contains($"entries of {subject}", output, StringComparison.Ordinal);
            Assert.DoesNotContain("withheld", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Evidence_is_refused_to_a_view_that_masks_records_and_to_partners_that_are_not_auditors()
    {
        var request = new GetHouseholdEvidenceRequest { HouseholdId = household.HouseholdId };

        var examination = await Assert.ThrowsAsync<RpcException>(() => new AuditLogService.AuditLogServiceClient(Hub.Channel(Pki.Auditor, purpose: "audit-examination")).GetHouseholdEvidenceAsync(request).ResponseAsync);
        var bank = await Assert.ThrowsAsync<RpcException>(() => new AuditLogService.AuditLogServiceClient(Hub.Channel(Pki.Bank)).GetHouseholdEvidenceAsync(request).ResponseAsync);
        var investigator = new AuditLogService.AuditLogServiceClient(Hub.Channel(Pki.Auditor));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => investigator.GetHouseholdEvidenceAsync(new GetHouseholdEvidenceRequest { HouseholdId = Guid.NewGuid().ToString() }).ResponseAsync);
        var malformed = await Assert.ThrowsAsync<RpcException>(() => investigator.GetHouseholdEvidenceAsync(new GetHouseholdEvidenceRequest { HouseholdId = "\u200bnot-an-id" }).ResponseAsync);

        Assert.Equal(
            [StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.NotFound, StatusCode.InvalidArgument],
            new[] { examination, bank, unknown, malformed }.Select(refusal => refusal.StatusCode));
        Assert.Contains("audit-investigation", examination.Status.Detail, StringComparison.Ordinal);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        witness.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    private string[] Auditor() => InteropCli.PartnerArguments(Hub, Pki, Pki.Auditor, "auditor", purpose: "audit-investigation");

    private bool Verifies(byte[] bytes, NoteVerifierKey hub)
    {
        try
        {
            var package = EvidencePackage.Parse(Encoding.UTF8.GetString(bytes));
            return EvidenceVerification.Problems(package, hub.Name, [hub], [witness.Verifier]).Count == 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Where a string stands in the package's JSON text, written as the package writes strings.</summary>
    private static int Find(string json, string value)
    {
        var escaped = System.Text.Json.JsonSerializer.Serialize(value, new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })[1..^1];
        return json.IndexOf(escaped, StringComparison.Ordinal);
    }

    private static byte[] Flipped(byte[] original, int position)
    {
        var copy = original.ToArray();
        copy[position] ^= 0x01;
        return copy;
    }
}
