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
        Assert.Contains($"The package verifies: {events} events of household {household.HouseholdId}", output, StringComparison.Ordinal);
        Assert.Equal(events, package.Leaves.Count);
        Assert.All(package.Leaves, leaf => Assert.Contains(SignedNote.Parse(TlogProof.Parse(leaf.Proof).Checkpoint).Signatures, signature => signature.KeyName == "bpk.go.id/witness"));
        // The read is in the access log against the household.
        Assert.True(await StoreProbe.CountAsync(ConnectionString, $"select count(*) from interop.access_log where method like '%GetHouseholdEvidence' and '{household.HouseholdId}' = any(households)") >= 1);
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
