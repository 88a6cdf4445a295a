using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Audit.V1;
using Interop.Contracts.Disbursement.V1;
using Interop.IntegrationTests.Infrastructure;
using Interop.Transparency;

namespace Interop.IntegrationTests;

/// <summary>
/// The audit log (issue 14): every stored event, line, payment event, bank instruction and access
/// log entry becomes a leaf, the hub signs checkpoints, and `interop audit verify`, trusting only the
/// hub's public key, finds an untouched store clean and locates every change made behind the hub's
/// back directly in PostgreSQL: an event edited, deleted, swapped or inserted, a checkpoint edited or
/// signed with another key. Each tampering is undone afterwards, and the store verifies clean again.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class AuditLogTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "audit_log")
{
    private string trustedKey = string.Empty;

    private AuditLogService.AuditLogServiceClient Auditor => new(Hub.Channel(Pki.Auditor));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using (var key = NoteSigningKey.Parse(await File.ReadAllTextAsync(Pki.AuditKeyPath)))
        {
            // What the operator hands the auditor: the public key only.
            trustedKey = key.Verifier.ToString();
        }

        // Households (registry events, reads in the access log), a sealed batch (lines, bank instructions)
        // and a bank's confirmations (payment events).
        for (var serial = 0; serial < 3; serial++)
        {
            await PaymentSteps.FundedAsync(Hub, Pki, 1700 + serial, Pki.Bank);
        }

        await PaymentSteps.SealedBatchAsync(Hub, Pki, PaymentSteps.Issue("PKH-2026-S3-AUDIT", 3));
        var bank = new PaymentService.PaymentServiceClient(Hub.Channel(Pki.Bank, purpose: "disbursement-payment"));
        var lines = await PaymentSteps.LinesAsync(bank);
        await PaymentSteps.ConfirmAsync(bank, [.. lines.Select(line => new PaymentConfirmation
        {
            EndToEndId = line.Pay.EndToEndId, Status = PaymentStatus.Settled, Amount = line.Pay.Amount, Currency = "IDR", BankReference = $"BRI-{line.Pay.LineNumber:D8}",
        })]);
    }

    [Fact]
    public async Task Every_stored_row_is_a_leaf_and_an_untouched_store_verifies_clean()
    {
        var size = await SettledLogAsync();

        foreach (var source in new[] { "event", "disbursement_line", "payment", "bank_instruction", "access" })
        {
            Assert.True(await LeavesOfAsync(source) > 0, $"the log holds no {source} rows");
        }

        Assert.Equal(await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.mt_events where type <> 'tombstone'"), await LeavesOfAsync("event"));
        Assert.Equal(await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.payment_event"), await LeavesOfAsync("payment"));
        Assert.Equal(await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.disbursement_line"), await LeavesOfAsync("disbursement_line"));
        // Every leaf carries the hub's tag of its row as written: a walk reads 32 bytes a row for it, not the row.
        Assert.Equal(0, await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.audit_leaf where row_tag is null or length(row_tag) <> 32"));
        var info = await Auditor.GetLogInfoAsync(new GetLogInfoRequest());
        Assert.Equal(trustedKey, info.VerifierKey);
        var checkpoint = Checkpoint.Parse(SignedNote.Parse(info.Checkpoint).Text);
        Assert.Equal((TestPki.AuditOrigin, size), (checkpoint.Origin, checkpoint.Size));

        var (exitCode, output, _) = await VerifyAsync();

        Assert.Equal(0, exitCode);
        Assert.Contains("The log verifies", output, StringComparison.Ordinal);
        Assert.Contains($"Checked {size} leaves", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Changes racing each other: each household verified twice at once from the same read, so one
    /// commits and the other loses after Marten has drawn its sequence numbers (a hole in the
    /// sequence that never fills). Every committed event still becomes a leaf, none is passed over,
    /// and the log verifies clean.
    /// </summary>
    [Fact]
    public async Task Changes_racing_each_other_are_all_logged_and_the_losers_leave_no_hole_in_the_log()
    {
        var proposed = await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Bandung), Enumerable.Range(1800, 8).Select(serial => Households.Valid($"RACE-{serial}", serial)));
        var households = await Task.WhenAll(proposed.Select(outcome => HouseholdSteps.GetAsync(Hub, Pki, outcome.Accepted.HouseholdId)));
        var registry = Hub.Registry(Pki.CivilRegistry);

        var outcomes = await Task.WhenAll(households.Concat(households).Select(async household =>
        {
            try
            {
                await registry.ChangeHouseholdAsync(HouseholdRequests.For(household, "matched against the population database", HouseholdRequests.VerifyAll(household)));
                return StatusCode.OK;
            }
            catch (RpcException refused)
            {
                return refused.StatusCode;
            }
        }));

        Assert.Equal(households.Length, outcomes.Count(code => code == StatusCode.OK));
        Assert.All(outcomes.Where(code => code != StatusCode.OK), code => Assert.Contains(code, new[] { StatusCode.Aborted, StatusCode.FailedPrecondition }));
        var size = await SettledLogAsync();
        var (exitCode, output, _) = await VerifyAsync();
        Assert.Equal(0, exitCode);
        Assert.Contains($"Checked {size} leaves", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_edited_in_the_database_is_found_at_its_index()
    {
        await SettledLogAsync();
        var (sequence, index) = await LoggedEventAsync("household_ratified");

        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.mt_events set data = data || '{{\"tampered\": true}}' where seq_id = {sequence}");
        var (exitCode, output, _) = await VerifyAsync();
        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.mt_events set data = data - 'tampered' where seq_id = {sequence}");

        Assert.Equal(AuditExit, exitCode);
        Assert.Contains($"the first bad index is {index}.", output, StringComparison.Ordinal);
        Assert.Contains($"row-changed: leaf {index}: its row (event #{sequence})", output, StringComparison.Ordinal);
        Assert.Equal(0, (await VerifyAsync()).ExitCode);
    }

    /// <summary>
    /// A walk takes a leaf's hash as recomputed when the hub's tag of the row holds for the row's text
    /// as stored now. A row edited together with its leaf's tag (another leaf's, which the editor can
    /// read) is still found: the tag names its leaf, so it fails and the row is encoded in full. A
    /// tag removed or garbled only costs the full encoding: an untouched row still verifies.
    /// </summary>
    [Fact]
    public async Task A_row_tag_moved_or_removed_behind_the_hubs_back_hides_no_edit()
    {
        await SettledLogAsync();
        var (sequence, index) = await LoggedEventAsync("household_ratified");
        var (_, other) = await LoggedEventAsync("household_ratified", skip: 1);

        await StoreProbe.ExecuteAsync(ConnectionString, "create table interop.kept_tags as select idx, row_tag from interop.audit_leaf");
        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.mt_events set data = data || '{{\"tampered\": true}}' where seq_id = {sequence}");
        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.audit_leaf set row_tag = (select row_tag from interop.audit_leaf where idx = {other}) where idx = {index}");
        var (movedExit, movedOutput, _) = await VerifyAsync();
        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.mt_events set data = data - 'tampered' where seq_id = {sequence}");
        await StoreProbe.ExecuteAsync(ConnectionString, "update interop.audit_leaf set row_tag = null where idx % 2 = 0; update interop.audit_leaf set row_tag = '\\x00' where idx % 3 = 0");
        var (strippedExit, strippedOutput, _) = await VerifyAsync();
        await StoreProbe.ExecuteAsync(ConnectionString, "update interop.audit_leaf as l set row_tag = k.row_tag from interop.kept_tags as k where k.idx = l.idx; drop table interop.kept_tags");

        Assert.Equal(AuditExit, movedExit);
        Assert.Contains($"row-changed: leaf {index}: its row (event #{sequence})", movedOutput, StringComparison.Ordinal);
        Assert.True(strippedExit == 0, strippedOutput);
        Assert.Contains("The log verifies", strippedOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// A bank's confirmation names the certificate the bank called with and the call's correlation id;
    /// emptying them behind the hub's back (to pass it off as stored before the hub kept them) changes
    /// the payment event's leaf.
    /// </summary>
    [Fact]
    public async Task A_payment_events_certificate_emptied_in_the_database_is_found_at_its_index()
    {
        await SettledLogAsync();
        var sequence = await StoreProbe.CountAsync(ConnectionString, "select sequence from interop.payment_event where certificate_thumbprint is not null and correlation_id is not null order by sequence limit 1");
        var index = await StoreProbe.CountAsync(ConnectionString, $"select idx from interop.audit_leaf where source = 4 and ref = {sequence}");

        await StoreProbe.ExecuteAsync(ConnectionString, $"create table interop.kept_caller as select certificate_thumbprint, correlation_id from interop.payment_event where sequence = {sequence}");
        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.payment_event set certificate_thumbprint = null, correlation_id = null where sequence = {sequence}");
        var (exitCode, output, _) = await VerifyAsync();
        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.payment_event as p set certificate_thumbprint = k.certificate_thumbprint, correlation_id = k.correlation_id from interop.kept_caller as k where p.sequence = {sequence}; drop table interop.kept_caller");

        Assert.Equal(AuditExit, exitCode);
        Assert.Contains($"the first bad index is {index}.", output, StringComparison.Ordinal);
        Assert.Contains($"row-changed: leaf {index}: its row (payment #{sequence})", output, StringComparison.Ordinal);
        Assert.Equal(0, (await VerifyAsync()).ExitCode);
    }

    /// <summary>Values JSON allows but no event holds (a number beyond a double, nesting 200 deep) are a changed row like any other, not a failure of the walk.</summary>
    [Theory]
    [InlineData("('{\"tampered\": ' || repeat('9', 400) || '.5}')::jsonb")]
    [InlineData("('{\"tampered\": ' || repeat('[', 200) || repeat(']', 200) || '}')::jsonb")]
    public async Task An_event_edited_to_hold_values_no_event_holds_is_found_at_its_index(string edit)
    {
        await SettledLogAsync();
        var (sequence, index) = await LoggedEventAsync("household_ratified", skip: 1);

        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.mt_events set data = data || {edit} where seq_id = {sequence}");
        var (exitCode, output, _) = await VerifyAsync();
        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.mt_events set data = data - 'tampered' where seq_id = {sequence}");

        Assert.True(exitCode == AuditExit, output);
        Assert.Contains($"row-changed: leaf {index}: its row (event #{sequence})", output, StringComparison.Ordinal);
        Assert.Equal(0, (await VerifyAsync()).ExitCode);
    }

    [Fact]
    public async Task An_event_deleted_from_the_database_is_found_at_its_index()
    {
        await SettledLogAsync();
        var (sequence, index) = await LoggedEventAsync("identities_verified");

        await StoreProbe.ExecuteAsync(ConnectionString, $"create table interop.kept_aside as select * from interop.mt_events where seq_id = {sequence}; delete from interop.mt_events where seq_id = {sequence}");
        var (exitCode, output, _) = await VerifyAsync();
        await StoreProbe.ExecuteAsync(ConnectionString, "insert into interop.mt_events select * from interop.kept_aside; drop table interop.kept_aside");

        Assert.Equal(AuditExit, exitCode);
        Assert.Contains($"the first bad index is {index}.", output, StringComparison.Ordinal);
        Assert.Contains($"row-missing: leaf {index}: its row (event #{sequence}) is gone", output, StringComparison.Ordinal);
        Assert.Equal(0, (await VerifyAsync()).ExitCode);
    }

    [Fact]
    public async Task Two_events_swapped_in_the_database_are_found_at_the_first_of_them()
    {
        await SettledLogAsync();
        var first = await LoggedEventAsync("household_ratified");
        var second = await LoggedEventAsync("household_ratified", skip: 1);
        var swap = $"""
            update interop.mt_events as e set data = o.data
            from interop.mt_events as o
            where (e.seq_id, o.seq_id) in (({first.Sequence}, {second.Sequence}), ({second.Sequence}, {first.Sequence}))
            """;

        await StoreProbe.ExecuteAsync(ConnectionString, swap);
        var (exitCode, output, _) = await VerifyAsync();
        await StoreProbe.ExecuteAsync(ConnectionString, swap);

        Assert.Equal(AuditExit, exitCode);
        Assert.Contains($"the first bad index is {Math.Min(first.Index, second.Index)}.", output, StringComparison.Ordinal);
        Assert.Contains($"leaf {first.Index}: its row (event #{first.Sequence})", output, StringComparison.Ordinal);
        Assert.Contains($"leaf {second.Index}: its row (event #{second.Sequence})", output, StringComparison.Ordinal);
        Assert.Equal(0, (await VerifyAsync()).ExitCode);
    }

    /// <summary>A copy of a real event slipped into the past, as itself or dressed as one of Marten's tombstones (which the log passes over only on Marten's own tombstone stream).</summary>
    [Theory]
    [InlineData("type")]
    [InlineData("'tombstone'")]
    public async Task An_event_inserted_into_the_past_is_found_and_never_joins_the_log(string typeColumn)
    {
        await SettledLogAsync();
        var (sequence, _) = await LoggedEventAsync("household_ratified");

        // A copy of a real event slipped in under a sequence number below everything logged, as a forger would.
        await StoreProbe.ExecuteAsync(ConnectionString, $"""
            insert into interop.mt_events (seq_id, id, stream_id, version, data, type, "timestamp", tenant_id, mt_dotnet_type, is_archived)
            select -7, gen_random_uuid(), stream_id, 9999, data, {typeColumn}, "timestamp", tenant_id, mt_dotnet_type, is_archived from interop.mt_events where seq_id = {sequence}
            """);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var (exitCode, output, _) = await VerifyAsync();
        var logged = await StoreProbe.CountAsync(ConnectionString, "select count(*) from interop.audit_leaf where source = 1 and ref = -7");
        await StoreProbe.ExecuteAsync(ConnectionString, "delete from interop.mt_events where seq_id = -7");

        Assert.Equal(AuditExit, exitCode);
        Assert.Contains("row-not-in-log: event #-7 is in the database but not in the log", output, StringComparison.Ordinal);
        Assert.Equal(0, logged);
        Assert.Equal(0, (await VerifyAsync()).ExitCode);
    }

    [Fact]
    public async Task A_leaf_removed_from_the_middle_of_the_log_is_found_at_its_index()
    {
        await SettledLogAsync();
        var (_, index) = await LoggedEventAsync("household_ratified");

        await StoreProbe.ExecuteAsync(ConnectionString, $"create table interop.leaf_aside as select * from interop.audit_leaf where idx = {index}; delete from interop.audit_leaf where idx = {index}");
        var (exitCode, output, _) = await VerifyAsync();
        await StoreProbe.ExecuteAsync(ConnectionString, "insert into interop.audit_leaf select * from interop.leaf_aside; drop table interop.leaf_aside");

        Assert.Equal(AuditExit, exitCode);
        Assert.Contains($"the first bad index is {index}.", output, StringComparison.Ordinal);
        Assert.Contains($"row-missing: leaf {index}: its row (audit_leaf #{index}) is gone", output, StringComparison.Ordinal);
        Assert.Equal(0, (await VerifyAsync()).ExitCode);
    }

    /// <summary>A leaf written far beyond the log's end: the walk names where the leaves stop, and ends there instead of naming every index up to it.</summary>
    [Fact]
    public async Task A_leaf_placed_far_beyond_the_log_is_found_where_the_leaves_stop()
    {
        var size = await SettledLogAsync();

        await StoreProbe.ExecuteAsync(ConnectionString, "insert into interop.audit_leaf (idx, source, ref, hash) values (1000000000000, 1, -1, '\\x00')");
        var (exitCode, output, _) = await VerifyAsync();
        await StoreProbe.ExecuteAsync(ConnectionString, "delete from interop.audit_leaf where idx = 1000000000000");

        Assert.True(exitCode == AuditExit, output);
        Assert.Contains($"leaves-unreached: the log claims 1000000000001 leaves, but they stop after {size}", output, StringComparison.Ordinal);
        Assert.Equal(0, (await VerifyAsync()).ExitCode);
    }

    [Fact]
    public async Task A_checkpoint_edited_in_the_database_fails_its_signature()
    {
        var size = await SettledLogAsync();
        var note = await CheckpointNoteAsync(size);
        var lines = note.Split('\n');
        var otherRoot = Convert.ToBase64String(new byte[32]);

        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.audit_checkpoint set note = replace(note, '{lines[2]}', '{otherRoot}') where size = {size}");
        var (exitCode, output, _) = await VerifyAsync();
        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.audit_checkpoint set note = replace(note, '{otherRoot}', '{lines[2]}') where size = {size}");

        Assert.Equal(AuditExit, exitCode);
        Assert.Contains($"checkpoint-signature: checkpoint #", output, StringComparison.Ordinal);
        Assert.Contains($"(size {size}): The signature of key {TestPki.AuditOrigin}", output, StringComparison.Ordinal);
        Assert.Equal(0, (await VerifyAsync()).ExitCode);
    }

    [Fact]
    public async Task A_checkpoint_signed_with_another_key_is_not_trusted()
    {
        var size = await SettledLogAsync();
        var original = await CheckpointNoteAsync(size);
        using var thief = NoteSigningKey.Create(TestPki.AuditOrigin);
        var forged = SignedNote.Sign(SignedNote.Parse(original).Text, thief).ToString();

        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.audit_checkpoint set note = '{forged}' where size = {size}");
        var (exitCode, output, _) = await VerifyAsync();
        await StoreProbe.ExecuteAsync(ConnectionString, $"update interop.audit_checkpoint set note = '{original}' where size = {size}");

        Assert.Equal(AuditExit, exitCode);
        Assert.Contains($"(size {size}): No key the verifier knows signed the note", output, StringComparison.Ordinal);
        Assert.Equal(0, (await VerifyAsync()).ExitCode);
    }

    [Fact]
    public async Task The_serving_role_cannot_change_or_remove_the_log()
    {
        await SettledLogAsync();
        var serving = Postgres.ServingConnectionString(ConnectionString);

        foreach (var statement in new[]
        {
            "update interop.audit_leaf set hash = hash where idx = 0",
            "delete from interop.audit_leaf where idx = 0",
            "delete from interop.audit_node",
            "update interop.audit_checkpoint set note = note",
            "truncate interop.audit_checkpoint",
        })
        {
            var refusal = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => StoreProbe.ExecuteAsync(serving, statement));
            Assert.Equal("42501", refusal.SqlState);
        }
    }

    [Fact]
    public async Task An_event_is_proved_in_the_newest_checkpoint_which_is_proved_to_extend_the_first()
    {
        var size = await SettledLogAsync();
        var (sequence, index) = await LoggedEventAsync("household_ratified");
        var hub = NoteVerifierKey.Parse(trustedKey);

        var proof = await Auditor.GetInclusionProofAsync(new GetInclusionProofRequest { Row = new LeafRow { Source = "event", Sequence = sequence } });
        var leaf = await Auditor.RecomputeLeaves(new RecomputeLeavesRequest { StartIndex = index, EndIndex = index + 1 }).ResponseStream.ReadAllAsync().SingleAsync();
        var checkpoint = Checkpoint.Parse(SignedNote.Parse(proof.Checkpoint).Text);
        SignedNote.Parse(proof.Checkpoint).Verify([hub]);

        Assert.Equal((index, size, size), (proof.LeafIndex, proof.TreeSize, checkpoint.Size));
        Assert.True(MerkleTree.VerifyInclusion(index, size, leaf.RecomputedHashes.ToByteArray(), [.. proof.Hashes.Select(hash => hash.ToByteArray())], checkpoint.Root));
        // A proof is a hash per level of the tree: a few hundred bytes here, under a kilobyte at a million leaves.
        Assert.InRange(proof.Hashes.Count, 1, (int)Math.Ceiling(Math.Log2(size)));

        var first = Checkpoint.Parse(SignedNote.Parse((await Auditor.ListCheckpoints(new ListCheckpointsRequest { MinSize = 1 }).ResponseStream.ReadAllAsync().FirstAsync()).Checkpoints[0]).Text);
        var consistency = await Auditor.GetConsistencyProofAsync(new GetConsistencyProofRequest { OldSize = first.Size });
        Assert.Equal((first.Size, size), (consistency.OldSize, consistency.NewSize));
        Assert.True(MerkleTree.VerifyConsistency(first.Size, size, first.Root, checkpoint.Root, [.. consistency.Hashes.Select(hash => hash.ToByteArray())]));
        // The same proof does not prove another leaf, nor the tree of another root.
        Assert.False(MerkleTree.VerifyInclusion(index == 0 ? 1 : index - 1, size, leaf.RecomputedHashes.ToByteArray(), [.. proof.Hashes.Select(hash => hash.ToByteArray())], checkpoint.Root));
        Assert.False(MerkleTree.VerifyConsistency(first.Size, size, first.Root, first.Root, [.. consistency.Hashes.Select(hash => hash.ToByteArray())]));
    }

    [Fact]
    public async Task Proof_requests_that_cannot_be_answered_are_refused_with_the_field_at_fault()
    {
        var size = await SettledLogAsync();

        var unknownTable = await Assert.ThrowsAsync<RpcException>(() => Auditor.GetInclusionProofAsync(new GetInclusionProofRequest { Row = new LeafRow { Source = "mt_doc_household", Sequence = 1 } }).ResponseAsync);
        var noLeaf = await Assert.ThrowsAsync<RpcException>(() => Auditor.GetInclusionProofAsync(new GetInclusionProofRequest { Row = new LeafRow { Source = "event", Sequence = 999_999_999 } }).ResponseAsync);
        var noCheckpoint = await Assert.ThrowsAsync<RpcException>(() => Auditor.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = 0, TreeSize = size + 1_000 }).ResponseAsync);
        var beyond = await Assert.ThrowsAsync<RpcException>(() => Auditor.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = size }).ResponseAsync);
        var negative = await Assert.ThrowsAsync<RpcException>(() => Auditor.GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = -1 }).ResponseAsync);
        var backwards = await Assert.ThrowsAsync<RpcException>(() => Auditor.GetConsistencyProofAsync(new GetConsistencyProofRequest { OldSize = size, NewSize = 1 }).ResponseAsync);
        var oldBeyond = await Assert.ThrowsAsync<RpcException>(() => Auditor.GetConsistencyProofAsync(new GetConsistencyProofRequest { OldSize = size + 5 }).ResponseAsync);
        var bank = await Assert.ThrowsAsync<RpcException>(() => new AuditLogService.AuditLogServiceClient(Hub.Channel(Pki.Bank)).GetInclusionProofAsync(new GetInclusionProofRequest { LeafIndex = 0 }).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, "row.source"), (unknownTable.StatusCode, Field(unknownTable)));
        Assert.Equal(StatusCode.NotFound, noLeaf.StatusCode);
        Assert.Equal(StatusCode.NotFound, noCheckpoint.StatusCode);
        Assert.Equal((StatusCode.OutOfRange, "leaf_index"), (beyond.StatusCode, Field(beyond)));
        Assert.Equal((StatusCode.InvalidArgument, "leaf_index"), (negative.StatusCode, Field(negative)));
        Assert.Equal((StatusCode.InvalidArgument, "new_size"), (backwards.StatusCode, Field(backwards)));
        Assert.Equal((StatusCode.OutOfRange, "old_size"), (oldBeyond.StatusCode, Field(oldBeyond)));
        Assert.Equal(StatusCode.PermissionDenied, bank.StatusCode);
    }

    private static string Field(RpcException refusal) => refusal.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Field;

    private const int AuditExit = AuditLogSteps.AuditExit;

    private Task<(int ExitCode, string Output, string Error)> VerifyAsync() => AuditLogSteps.VerifyAsync(Hub, Pki, trustedKey);

    private Task<long> SettledLogAsync() => AuditLogSteps.SettledLogAsync(ConnectionString);

    private Task<long> LeavesOfAsync(string source) =>
        StoreProbe.CountAsync(ConnectionString, $"select count(*) from interop.audit_leaf where source = (select code from (values {string.Join(", ", SourceCodes.Select(pair => $"({pair.Value}, '{pair.Key}')"))}) as s(code, name) where name = '{source}')");

    private static readonly Dictionary<string, int> SourceCodes = new()
    {
        ["event"] = 1, ["disbursement_line"] = 2, ["disbursement_left_out"] = 3, ["payment"] = 4, ["unknown_confirmation"] = 5, ["bank_instruction"] = 6, ["access"] = 7,
    };

    private async Task<(long Sequence, long Index)> LoggedEventAsync(string type, int skip = 0)
    {
        var sequence = await StoreProbe.CountAsync(ConnectionString, $"select seq_id from interop.mt_events where type = '{type}' order by seq_id offset {skip} limit 1");
        return (sequence, await StoreProbe.CountAsync(ConnectionString, $"select idx from interop.audit_leaf where source = 1 and ref = {sequence}"));
    }

    private async Task<string> CheckpointNoteAsync(long size)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"select note from interop.audit_checkpoint where size = {size}", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
