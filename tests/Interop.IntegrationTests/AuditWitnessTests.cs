using Grpc.Core;
using Interop.Contracts.Audit.V1;
using Interop.IntegrationTests.Infrastructure;
using Interop.Transparency;
using Npgsql;

namespace Interop.IntegrationTests;

/// <summary>
/// BPK witnesses the audit log: `interop audit witness` cosigns the hub's newest checkpoint after
/// checking, against the checkpoint it cosigned last, that the log only grew. Someone holding the
/// database and the hub's signing key cuts the log's end, re-signs it and lets the hub go on with
/// another history: a verifier without the witness is fooled, the witness and a verifier holding
/// its state are not.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class AuditWitnessTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "audit_witness")
{
    private const string WitnessName = "bpk.go.id/witness";

    private readonly NoteSigningKey witness = NoteSigningKey.Create(WitnessName, NoteVerifierKey.CosignatureV1);
    private readonly string folder = Directory.CreateTempSubdirectory("interop-witness-").FullName;
    private RunningHub? restarted;
    private bool firstHubStopped;

    private string WitnessKeyPath => Path.Combine(folder, "witness.key");

    private string StatePath => Path.Combine(folder, "witness.state");

    private RunningHub Current => restarted ?? Hub;

    private string HubKey { get; set; } = string.Empty;

    protected override Dictionary<string, string?> Settings => new() { ["Hub:AuditWitnesses:0"] = witness.Verifier.ToString() };

    public override async Task InitializeAsync()
    {
        witness.Save(WitnessKeyPath);
        await base.InitializeAsync();
        using var key = NoteSigningKey.Parse(await File.ReadAllTextAsync(Pki.AuditKeyPath));
        HubKey = key.Verifier.ToString();
    }

    [Fact]
    public async Task The_witness_cosigns_each_newer_checkpoint_after_checking_that_it_extends_the_last()
    {
        await HouseholdSteps.ActiveAsync(Hub, Pki, 1901);
        var first = await AuditLogSteps.SettledLogAsync(ConnectionString);
        var (firstExit, firstRun, _) = await WitnessAsync();
        await HouseholdSteps.ActiveAsync(Hub, Pki, 1902);
        var second = await AuditLogSteps.SettledLogAsync(ConnectionString);
        var (secondExit, secondRun, _) = await WitnessAsync();
        var (againExit, againRun, _) = await WitnessAsync();

        Assert.Equal((0, 0, 0), (firstExit, secondExit, againExit));
        Assert.Contains($"Cosigned the checkpoint of {first} leaves (the first this witness has seen)", firstRun, StringComparison.Ordinal);
        Assert.Contains($"Cosigned the checkpoint of {second} leaves: it extends the one of {first} leaves cosigned last", secondRun, StringComparison.Ordinal);
        Assert.Contains("nothing new to cosign", againRun, StringComparison.Ordinal);

        // The hub serves the cosignature after its own signature, and an auditor holding both keys checks both.
        var served = SignedNote.Parse((await new AuditLogService.AuditLogServiceClient(Hub.Channel(Pki.Auditor)).GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = 0, TreeSize = second })).Checkpoint);
        Assert.NotNull(Cosignature.Verify(witness.Verifier, served.Text, served.Signatures.Single(signature => signature.KeyName == WitnessName)));
        var (verifyExit, verified, _) = await VerifyAsync("--witness", witness.Verifier.ToString(), "--witness-state", StatePath);
        Assert.Equal(0, verifyExit);
        Assert.Contains($"2 checkpoints carry a trusted witness's cosignature; the largest covers {second} leaves", verified, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_log_cut_short_and_re_signed_with_a_stolen_key_is_caught_by_the_witness()
    {
        await HouseholdSteps.ActiveAsync(Hub, Pki, 1911);
        var cosigned = await AuditLogSteps.SettledLogAsync(ConnectionString);
        Assert.Equal(0, (await WitnessAsync()).ExitCode);

        // Behind the hub's back, with the database and the hub's stolen key: the last three leaves and
        // their rows go, the log is re-signed at the shorter size, and the hub goes on from there.
        await Hub.DisposeAsync();
        firstHubStopped = true;
        var cut = cosigned - 3;
        await CutLogAsync(cut);
        restarted = await RunningHub.StartAsync(Pki.CaPath, Pki.ServerCertificatePath, Pki.ServerKeyPath, Pki.Ca, new()
        {
            ["ConnectionStrings:RegistryOwner"] = ConnectionString,
            ["ConnectionStrings:Registry"] = Postgres.ServingConnectionString(ConnectionString),
            ["Hub:AuditWitnesses:0"] = witness.Verifier.ToString(),
        });
        await HouseholdSteps.ActiveAsync(restarted, Pki, 1912);
        await AuditLogSteps.SettledLogAsync(ConnectionString);

        var (unwitnessedExit, _, _) = await VerifyAsync();
        var (witnessedExit, witnessed, _) = await VerifyAsync("--witness", witness.Verifier.ToString(), "--witness-state", StatePath);
        var (witnessExit, _, refusal) = await WitnessAsync();

        // Without the witness the forged history is consistent with itself: the signing key alone proves nothing more.
        Assert.Equal(0, unwitnessedExit);
        Assert.Equal(AuditLogSteps.AuditExit, witnessedExit);
        Assert.Contains($"the witness cosigned another tree at size {cosigned}", witnessed, StringComparison.Ordinal);
        Assert.Equal(AuditLogSteps.AuditExit, witnessExit);
        Assert.Contains($"REFUSED: the hub's proof does not show the checkpoint of", refusal, StringComparison.Ordinal);
        Assert.Contains($"extending the one of {cosigned} leaves cosigned", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_witness_refuses_a_checkpoint_the_hubs_key_did_not_sign_and_a_garbage_key_is_a_clear_error()
    {
        await AuditLogSteps.SettledLogAsync(ConnectionString);
        using var other = NoteSigningKey.Create(TestPki.AuditOrigin);

        var (refusedExit, _, refused) = await InteropCli.RunAsync(["audit", "witness", "--trust", other.Verifier.ToString(), "--witness-key", WitnessKeyPath, "--state", StatePath, .. InteropCli.PartnerArguments(Current, Pki, Pki.Auditor, "witness")]);
        var (garbageExit, garbageOut, garbage) = await InteropCli.RunAsync(["audit", "verify", "--trust", "not+a+key", .. InteropCli.PartnerArguments(Current, Pki, Pki.Auditor, "auditor")]);
        // The hub's own key, but told to expect another log: even a first cosignature is refused.
        var (otherLogExit, _, otherLog) = await InteropCli.RunAsync(["audit", "witness", "--trust", HubKey, "--origin", "another-hub.example/audit-log", "--witness-key", WitnessKeyPath, "--state", StatePath, .. InteropCli.PartnerArguments(Current, Pki, Pki.Auditor, "witness")]);

        Assert.Equal(AuditLogSteps.AuditExit, refusedExit);
        Assert.Contains("REFUSED: the hub's newest checkpoint is not signed by the hub's key given", refused, StringComparison.Ordinal);
        Assert.Equal(AuditLogSteps.AuditExit, otherLogExit);
        Assert.Contains($"REFUSED: the hub's newest checkpoint names origin \"{TestPki.AuditOrigin}\", not \"another-hub.example/audit-log\"", otherLog, StringComparison.Ordinal);
        Assert.False(File.Exists(StatePath));
        Assert.Equal(1, garbageExit);
        Assert.Contains("error: ", garbage, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", garbage + garbageOut, StringComparison.Ordinal);
        Assert.Equal(0, await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.audit_cosignature"));
    }

    [Fact]
    public async Task Cosignatures_that_are_not_a_witnesss_good_signature_are_refused()
    {
        var size = await AuditLogSteps.SettledLogAsync(ConnectionString);
        var client = new AuditLogService.AuditLogServiceClient(Hub.Channel(Pki.Auditor));
        var text = SignedNote.Parse((await client.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = 0, TreeSize = size })).Checkpoint).Text;
        using var stranger = NoteSigningKey.Create("someone-else/witness", NoteVerifierKey.CosignatureV1);
        var good = Cosignature.Sign(witness, text, DateTimeOffset.UtcNow);
        var flipped = good with { Signature = [.. good.Signature[..20], (byte)(good.Signature[20] ^ 1), .. good.Signature[21..]] };

        var notWitness = await Assert.ThrowsAsync<RpcException>(() => client.AddCosignatureAsync(new AddCosignatureRequest { TreeSize = size, Cosignature = Cosignature.Sign(stranger, text, DateTimeOffset.UtcNow).Line }).ResponseAsync);
        var bad = await Assert.ThrowsAsync<RpcException>(() => client.AddCosignatureAsync(new AddCosignatureRequest { TreeSize = size, Cosignature = flipped.Line }).ResponseAsync);
        var garbage = await Assert.ThrowsAsync<RpcException>(() => client.AddCosignatureAsync(new AddCosignatureRequest { TreeSize = size, Cosignature = "\u2014 \u200b" }).ResponseAsync);
        var future = await Assert.ThrowsAsync<RpcException>(() => client.AddCosignatureAsync(new AddCosignatureRequest { TreeSize = size, Cosignature = Cosignature.Sign(witness, text, DateTimeOffset.UtcNow.AddDays(1)).Line }).ResponseAsync);
        var otherSize = await Assert.ThrowsAsync<RpcException>(() => client.AddCosignatureAsync(new AddCosignatureRequest { TreeSize = size + 10_000, Cosignature = good.Line }).ResponseAsync);
        var bank = await Assert.ThrowsAsync<RpcException>(() => new AuditLogService.AuditLogServiceClient(Hub.Channel(Pki.Bank)).AddCosignatureAsync(new AddCosignatureRequest { TreeSize = size, Cosignature = good.Line }).ResponseAsync);

        Assert.Equal(
            [StatusCode.PermissionDenied, StatusCode.InvalidArgument, StatusCode.InvalidArgument, StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.PermissionDenied],
            new[] { notWitness, bad, garbage, future, otherSize, bank }.Select(refusal => refusal.StatusCode));
        Assert.Equal(0, await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.audit_cosignature"));
        // The good one is kept, once.
        var kept = await client.AddCosignatureAsync(new AddCosignatureRequest { TreeSize = size, Cosignature = good.Line });
        await client.AddCosignatureAsync(new AddCosignatureRequest { TreeSize = size, Cosignature = good.Line });
        Assert.EndsWith(good.Line, kept.Checkpoint, StringComparison.Ordinal);
        Assert.Equal(1, await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.audit_cosignature"));
    }

    public override async Task DisposeAsync()
    {
        if (restarted is not null)
        {
            await restarted.DisposeAsync();
        }

        if (!firstHubStopped)
        {
            await base.DisposeAsync();
        }

        witness.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    private Task<(int ExitCode, string Output, string Error)> WitnessAsync() =>
        InteropCli.RunAsync(["audit", "witness", "--trust", HubKey, "--witness-key", WitnessKeyPath, "--state", StatePath, .. InteropCli.PartnerArguments(Current, Pki, Pki.Auditor, "witness")]);

    private Task<(int ExitCode, string Output, string Error)> VerifyAsync(params string[] more) =>
        InteropCli.RunAsync(["audit", "verify", "--trust", HubKey, .. more, .. InteropCli.PartnerArguments(Current, Pki, Pki.Auditor, "auditor")]);

    /// <summary>What a forger with the database and the hub's key does: leaves from <paramref name="size"/> on and their rows removed, the shorter log re-signed.</summary>
    private async Task CutLogAsync(long size)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        foreach (var (code, table, column) in new[] { (1, "mt_events", "seq_id"), (2, "disbursement_line", "sequence"), (3, "disbursement_left_out", "sequence"), (4, "payment_event", "sequence"), (5, "unknown_confirmation", "sequence"), (6, "bank_instruction", "position"), (7, "access_log", "id") })
        {
            await Execute(connection, $"delete from interop.{table} where {column} in (select ref from interop.audit_leaf where source = {code} and idx >= {size})");
        }

        await Execute(connection, $"delete from interop.audit_leaf where idx >= {size}; delete from interop.audit_node where (idx + 1) * (1::bigint << level) > {size}; delete from interop.audit_checkpoint where size >= {size}; delete from interop.audit_cosignature");
        var leaves = new List<byte[]>();
        await using (var command = new NpgsqlCommand("select hash from interop.audit_leaf order by idx", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                leaves.Add(reader.GetFieldValue<byte[]>(0));
            }
        }

        using var stolen = NoteSigningKey.Parse(await File.ReadAllTextAsync(Pki.AuditKeyPath));
        var checkpoint = new Checkpoint(TestPki.AuditOrigin, size, MerkleTree.Root(leaves));
        await using var insert = new NpgsqlCommand("insert into interop.audit_checkpoint (size, root, signed_at, note) values (@size, @root, now(), @note)", connection);
        insert.Parameters.AddWithValue("size", size);
        insert.Parameters.AddWithValue("root", checkpoint.Root);
        insert.Parameters.AddWithValue("note", SignedNote.Sign(checkpoint.Body, stolen).ToString());
        await insert.ExecuteNonQueryAsync();
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
