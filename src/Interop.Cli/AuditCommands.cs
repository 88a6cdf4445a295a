using System.CommandLine;
using Interop.Contracts.Audit.V1;
using Interop.Transparency;
using Spectre.Console;

namespace Interop.Cli;

/// <summary>
/// <c>interop audit</c>: the auditor's tools for the hub's verifiable log (docs/audit.md).
/// <c>verify</c> walks the whole log against the hub's signed checkpoints, trusting only the public
/// keys given; <c>keygen</c> makes a signing key for a hub (or a witness).
/// </summary>
internal static class AuditCommands
{
    /// <summary>Exit code of a verification that found the log altered.</summary>
    public const int Altered = 5;

    public static Command Audit(PartnerOptions partner)
    {
        var command = new Command("audit", "Verify the hub's audit log; make signing keys (auditors and operators)");
        command.Subcommands.Add(Verify(partner));
        command.Subcommands.Add(Witness(partner));
        command.Subcommands.Add(Evidence(partner));
        command.Subcommands.Add(CheckEvidence());
        command.Subcommands.Add(Timeline(partner));
        command.Subcommands.Add(Diff(partner));
        command.Subcommands.Add(KeyGen());
        return command;
    }

    private static Command Verify(PartnerOptions partner)
    {
        var trust = new Option<string[]>("--trust")
        {
            Description = "A verifier key of the hub (name+hash+base64) to trust, from the operator, never from the hub itself; repeat for every key the log was signed with",
            Required = true,
        };
        var origin = new Option<string?>("--origin") { Description = "The log's origin (the first line of its checkpoints); default: the name of the first --trust key" };
        var witness = new Option<string[]>("--witness") { Description = "A witness's verifier key (cosignature/v1) whose cosignatures must verify; repeat for several" };
        var witnessState = new Option<FileInfo?>("--witness-state") { Description = "A witness's state file (`interop audit witness --state`): the rebuilt log must have the checkpoint it last cosigned" };
        var command = new Command("verify", "Recompute every leaf of the audit log from the stored rows, rebuild the tree and check it against every signed checkpoint") { trust, origin, witness, witnessState };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            var keys = result.GetValue(trust)!.Select(NoteVerifierKey.Parse).ToList();
            var expectedOrigin = result.GetValue(origin) ?? keys[0].Name;
            using var channel = partner.Open(result);
            var client = new AuditLogService.AuditLogServiceClient(channel);
            var started = System.Diagnostics.Stopwatch.StartNew();
            var witnesses = (result.GetValue(witness) ?? []).Select(NoteVerifierKey.Parse).ToList();
            var verification = new LogVerification(expectedOrigin, keys, witnesses);
            if (result.GetValue(witnessState) is { } state)
            {
                verification.AddWitnessedCheckpoint(await File.ReadAllTextAsync(state.FullName, cancellationToken));
            }

            var report = await AuditWalk.VerifyAsync(client, verification, cancellationToken);
            var seconds = Math.Max(started.Elapsed.TotalSeconds, 0.001);
            Console.WriteLine($"Checked {report.Leaves} leaves and {report.Checkpoints} checkpoints in {seconds:0.0} s ({report.Leaves / seconds:0} leaves/s); the largest checkpoint verified covers {Math.Max(report.LargestVerifiedCheckpoint, 0)} leaves.");
            if (report.Uncovered > 0)
            {
                Console.WriteLine($"The last {report.Uncovered} leaves are not yet covered by a verified checkpoint: they match their rows, but no signature vouches for them yet.");
            }

            if (witnesses.Count > 0)
            {
                Console.WriteLine($"{report.Cosigned} checkpoints carry a trusted witness's cosignature; the largest covers {Math.Max(report.LargestCosigned, 0)} leaves.");
            }

            if (report.Clean)
            {
                Console.WriteLine("The log verifies: every leaf matches its stored row, every checkpoint is signed by a trusted key and has the root of the rebuilt tree.");
                return 0;
            }

            Console.WriteLine(report.FirstBadIndex is { } first ? $"The log does NOT verify; the first bad index is {first}." : "The log does NOT verify.");
            foreach (var problem in report.Problems.Take(50))
            {
                Console.WriteLine($"  {problem.Kind}: {problem.Detail}");
            }

            if (report.Problems.Count > 50)
            {
                Console.WriteLine($"  ... and {report.Problems.Count - 50} more problems.");
            }

            return Altered;
        }, partner));
        return command;
    }

    /// <summary>
    /// The witness (BPK): cosigns the hub's newest checkpoint after checking, with the hub's public key
    /// and the checkpoint it cosigned last (its state file, never the hub's word), that the new one
    /// extends it. A hub that shows a smaller log, or another history, is refused and reported.
    /// </summary>
    private static Command Witness(PartnerOptions partner)
    {
        var trust = new Option<string[]>("--trust") { Description = "The hub's verifier key(s), from the operator", Required = true };
        var witnessKey = new Option<FileInfo>("--witness-key") { Description = "The witness's private key file (interop audit keygen --witness)", Required = true };
        var stateFile = new Option<FileInfo>("--state") { Description = "The witness's state: the checkpoint it cosigned last (created on the first run)", Required = true };
        var origin = new Option<string?>("--origin") { Description = "The log's origin (the first line of its checkpoints); default: the name of the first --trust key" };
        var command = new Command("witness", "Cosign the hub's newest checkpoint after checking it extends the one cosigned last (the witness, BPK)") { trust, witnessKey, stateFile, origin };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            var keys = result.GetValue(trust)!.Select(NoteVerifierKey.Parse).ToList();
            using var key = NoteSigningKey.Parse(await File.ReadAllTextAsync(result.GetValue(witnessKey)!.FullName, cancellationToken));
            var state = result.GetValue(stateFile)!;
            using var channel = partner.Open(result);
            var client = new AuditLogService.AuditLogServiceClient(channel);
            var info = await client.GetLogInfoAsync(new GetLogInfoRequest(), cancellationToken: cancellationToken);
            if (info.Checkpoint.Length == 0)
            {
                await Console.Error.WriteLineAsync("error: the hub has signed no checkpoint yet; nothing to cosign.");
                return Altered;
            }

            var note = SignedNote.Parse(info.Checkpoint);
            try
            {
                note.Verify(keys);
            }
            catch (NoteVerificationException refusal)
            {
                await Console.Error.WriteLineAsync($"REFUSED: the hub's newest checkpoint is not signed by the hub's key given ({refusal.Message}); nothing was cosigned.");
                return Altered;
            }

            var newer = Checkpoint.Parse(note.Text);
            var expectedOrigin = result.GetValue(origin) ?? keys[0].Name;
            if (newer.Origin != expectedOrigin)
            {
                // Even on the first run: a checkpoint of another log, signed with a key trusted for this one, is not this log's.
                await Console.Error.WriteLineAsync($"REFUSED: the hub's newest checkpoint names origin \"{newer.Origin}\", not \"{expectedOrigin}\"; nothing was cosigned.");
                return Altered;
            }

            Checkpoint? older = null;
            if (state.Exists)
            {
                var kept = SignedNote.Parse(await File.ReadAllTextAsync(state.FullName, cancellationToken));
                try
                {
                    kept.Verify(keys);
                }
                catch (NoteVerificationException refusal)
                {
                    await Console.Error.WriteLineAsync($"error: the state file's checkpoint does not verify with the hub's key given ({refusal.Message}); nothing was cosigned.");
                    return Altered;
                }

                older = Checkpoint.Parse(kept.Text);
                var verdict = await ExtendsAsync(client, older, newer, cancellationToken);
                if (verdict is not null)
                {
                    await Console.Error.WriteLineAsync($"REFUSED: {verdict}. The hub is showing a history other than the one cosigned; nothing was cosigned.");
                    return Altered;
                }
            }

            if (older is not null && older.Size == newer.Size)
            {
                Console.WriteLine($"The hub's newest checkpoint ({newer.Size} leaves) is the one cosigned last; nothing new to cosign.");
                return 0;
            }

            var line = Cosignature.Sign(key, note.Text, DateTimeOffset.UtcNow);
            var answer = await client.AddCosignatureAsync(new AddCosignatureRequest { TreeSize = newer.Size, Cosignature = line.Line }, cancellationToken: cancellationToken);
            var stored = SignedNote.Parse(answer.Checkpoint);
            if (stored.Text != note.Text || !stored.Signatures.Any(signature => signature.Line == line.Line))
            {
                await Console.Error.WriteLineAsync("error: the hub did not keep the cosignature with the checkpoint it was made for.");
                return Altered;
            }

            var temporary = state.FullName + ".new";
            await File.WriteAllTextAsync(temporary, new SignedNote(note.Text, [.. note.Signatures.Where(signature => keys.Any(k => k.KeyId == signature.KeyId && k.Name == signature.KeyName)), line]).ToString(), cancellationToken);
            File.Move(temporary, state.FullName, overwrite: true);
            Console.WriteLine(older is null
                ? $"Cosigned the checkpoint of {newer.Size} leaves (the first this witness has seen)."
                : $"Cosigned the checkpoint of {newer.Size} leaves: it extends the one of {older.Size} leaves cosigned last.");
            return 0;
        }, partner));
        return command;
    }

    /// <summary>Null when <paramref name="newer"/> extends <paramref name="older"/> (proved by the hub's consistency proof); otherwise why not.</summary>
    private static async Task<string?> ExtendsAsync(AuditLogService.AuditLogServiceClient client, Checkpoint older, Checkpoint newer, CancellationToken cancellationToken)
    {
        if (newer.Origin != older.Origin)
        {
            return $"the newest checkpoint names origin \"{newer.Origin}\", the one cosigned \"{older.Origin}\"";
        }

        if (newer.Size < older.Size)
        {
            return $"the newest checkpoint has {newer.Size} leaves, fewer than the {older.Size} cosigned";
        }

        if (newer.Size == older.Size)
        {
            return newer.Root.AsSpan().SequenceEqual(older.Root) ? null : $"the newest checkpoint has {newer.Size} leaves like the one cosigned, with another root";
        }

        var proof = await client.GetConsistencyProofAsync(new GetConsistencyProofRequest { OldSize = older.Size, NewSize = newer.Size }, cancellationToken: cancellationToken);
        return MerkleTree.VerifyConsistency(older.Size, newer.Size, older.Root, newer.Root, [.. proof.Hashes.Select(hash => hash.ToByteArray())])
            ? null
            : $"the hub's proof does not show the checkpoint of {newer.Size} leaves extending the one of {older.Size} leaves cosigned";
    }

    private static Command Evidence(PartnerOptions partner)
    {
        var record = new RecordOptions();
        var output = new Option<FileInfo>("--out") { Description = "Where to write the package (JSON; it holds records whole: keep it as such)", Required = true };
        var command = new Command("evidence", "Fetch the evidence package of a household, a partner's record, a batch or one line of it: its entries with inclusion proofs and the signed checkpoint (purpose audit-investigation)") { output };
        record.AddTo(command);
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            using var channel = partner.Open(result);
            var client = new AuditLogService.AuditLogServiceClient(channel);
            var answer = await client.GetRecordEvidenceAsync(new GetRecordEvidenceRequest { Record = record.Of(result) }, cancellationToken: cancellationToken);
            var (subject, subjectId) = answer.Record.RecordCase switch
            {
                RecordRef.RecordOneofCase.HouseholdId => (EvidenceSubjects.Household, Guid.Parse(answer.Record.HouseholdId).ToString()),
                RecordRef.RecordOneofCase.PartnerId => (EvidenceSubjects.Partner, answer.Record.PartnerId),
                RecordRef.RecordOneofCase.DisbursementLine => (EvidenceSubjects.Line, EvidenceSubjects.LineId(Guid.Parse(answer.Record.DisbursementLine.BatchId), answer.Record.DisbursementLine.LineNumber)),
                _ => (EvidenceSubjects.Batch, Guid.Parse(answer.Record.BatchId).ToString()),
            };
            var package = new EvidencePackage(EvidencePackage.CurrentFormat, subject, subjectId, [.. answer.Leaves.Select(leaf => new EvidenceEntry(
                leaf.Index, leaf.Source, leaf.Sequence, leaf.Entry, new TlogProof(leaf.Index, [.. leaf.Proof.Select(hash => hash.ToByteArray())], answer.Checkpoint).ToString())
            {
                Withheld = leaf.Withheld.Length > 0 ? leaf.Withheld : null,
                LeafHash = leaf.Withheld.Length > 0 ? leaf.LeafHash.ToBase64() : null,
                Version = leaf.Withheld.Length > 0 ? leaf.WithheldVersion : null,
                Statement = leaf.Withheld.Length > 0 ? leaf.WithheldStatement.ToBase64() : null,
            })]);
            await File.WriteAllTextAsync(result.GetValue(output)!.FullName, package.ToJson(), cancellationToken);
            var withheld = package.Leaves.Count(leaf => leaf.Withheld is not null);
            Console.WriteLine($"Wrote the evidence of {RecordOptions.Describe(answer.Record).ToLowerInvariant()}: {package.Leaves.Count} entries"
                + (withheld > 0 ? $" ({withheld} withheld: they hold bank account numbers the purpose does not show; their place in the log is proven and the hub signs what each is, their content is not shown)" : string.Empty)
                + (answer.UncoveredEntries > 0 ? $"; {answer.UncoveredEntries} later entries are not covered by a checkpoint yet (ask again in a second)." : "."));
            return 0;
        }, partner));
        return command;
    }

    private static Command CheckEvidence()
    {
        var file = new Argument<FileInfo>("package") { Description = "The evidence package (interop audit evidence --out)" };
        var trust = new Option<string[]>("--trust") { Description = "The hub's verifier key(s), from the operator", Required = true };
        var witness = new Option<string[]>("--witness") { Description = "A witness's verifier key: the checkpoints must carry its cosignature" };
        var origin = new Option<string?>("--origin") { Description = "The log's origin; default: the name of the first --trust key" };
        var command = new Command("check-evidence", "Verify an evidence package offline, with public keys only: no hub, no database") { file, trust, witness, origin };
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            var keys = result.GetValue(trust)!.Select(NoteVerifierKey.Parse).ToList();
            var witnesses = (result.GetValue(witness) ?? []).Select(NoteVerifierKey.Parse).ToList();
            EvidencePackage package;
            try
            {
                package = EvidencePackage.Parse(await File.ReadAllTextAsync(result.GetValue(file)!.FullName, cancellationToken));
            }
            catch (FormatException error)
            {
                Console.WriteLine($"The package does NOT verify: {error.Message}");
                return Altered;
            }

            var problems = EvidenceVerification.Problems(package, result.GetValue(origin) ?? keys[0].Name, keys, witnesses);
            if (problems.Count == 0)
            {
                var withheld = package.Leaves.Count(leaf => leaf.Withheld is not null);
                Console.WriteLine($"The package verifies: {package.Leaves.Count} entries of {package.Subject} {package.SubjectId}, each included in a checkpoint signed by a trusted key"
                    + (witnesses.Count > 0 ? " and cosigned by a trusted witness" : string.Empty)
                    + (withheld > 0 ? $"; {withheld} of them withheld by the hub (their place in the log is proven and the hub signed what each is; their content is not shown)." : "."));
                return 0;
            }

            Console.WriteLine("The package does NOT verify:");
            foreach (var problem in problems)
            {
                Console.WriteLine($"  {problem}");
            }

            return Altered;
        }));
        return command;
    }

    /// <summary>Which record a timeline or diff is of: exactly one of a household, a partner or a batch (or, with --line, one line of it).</summary>
    private sealed class RecordOptions
    {
        private readonly Option<string?> household = new("--household") { Description = "A household's record id" };
        private readonly Option<string?> partnerId = new("--of-partner") { Description = "A partner's id in the directory (its record: scopes, areas, certificates, suspension); --partner stays the certificate the call is made with" };
        private readonly Option<string?> batch = new("--batch") { Description = "A disbursement batch's id" };
        private readonly Option<long?> line = new("--line") { Description = "With --batch: one line of it (the line as issued, then each payment event)" };

        public void AddTo(Command command)
        {
            command.Options.Add(household);
            command.Options.Add(partnerId);
            command.Options.Add(batch);
            command.Options.Add(line);
            command.Validators.Add(result =>
            {
                if (new[] { household, partnerId, batch }.Count(option => result.GetValue(option) is not null) != 1)
                {
                    result.AddError("Name exactly one record: --household, --of-partner or --batch.");
                }
                else if (result.GetValue(line) is not null && result.GetValue(batch) is null)
                {
                    result.AddError("--line names a line of the batch given with --batch.");
                }
            });
        }

        public RecordRef Of(ParseResult result) =>
            result.GetValue(household) is { } householdId ? new RecordRef { HouseholdId = householdId }
            : result.GetValue(partnerId) is { } partner ? new RecordRef { PartnerId = partner }
            : result.GetValue(line) is { } number ? new RecordRef { DisbursementLine = new DisbursementLineRef { BatchId = result.GetValue(batch)!, LineNumber = number } }
            : new RecordRef { BatchId = result.GetValue(batch)! };

        public static string Describe(RecordRef record) => record.RecordCase switch
        {
            RecordRef.RecordOneofCase.HouseholdId => $"Household {record.HouseholdId}",
            RecordRef.RecordOneofCase.PartnerId => $"Partner {record.PartnerId}",
            RecordRef.RecordOneofCase.DisbursementLine => $"Line {record.DisbursementLine.LineNumber} of batch {record.DisbursementLine.BatchId}",
            _ => $"Batch {record.BatchId}",
        };
    }

    private static Command Timeline(PartnerOptions partner)
    {
        var record = new RecordOptions();
        var at = new Option<string?>("--at") { Description = "A version (a number) or a moment (ISO 8601, e.g. 2026-03-31T23:59:00Z); default: now" };
        var state = new Option<bool>("--state") { Description = "Also print the record as it stood, as JSON" };
        var command = new Command("timeline", "A household's, partner's or batch's history as a readable timeline, up to a version or a moment (purpose audit-investigation)") { at, state };
        record.AddTo(command);
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            using var channel = partner.Open(result);
            var client = new ReplayService.ReplayServiceClient(channel);
            var replayed = await client.ReplayRecordAsync(new ReplayRecordRequest { Record = record.Of(result), At = PointOf(result.GetValue(at)) }, cancellationToken: cancellationToken);
            var table = new Spectre.Console.Table().AddColumns("v", "Time (UTC)", "Event", "Partner", "Officer", "Certificate", "Correlation", "Reason", "Evidence");
            foreach (var stored in replayed.Events)
            {
                table.AddRow(
                    stored.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    stored.Time.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
                    Spectre.Console.Markup.Escape(stored.Type),
                    Spectre.Console.Markup.Escape($"{stored.PartnerId} ({stored.PartnerKind})"),
                    Spectre.Console.Markup.Escape(stored.OfficerId),
                    // The thumbprint's first 16 hex digits name the certificate among a partner's few.
                    Spectre.Console.Markup.Escape(stored.CertificateThumbprint.Length > 16 ? stored.CertificateThumbprint[..16] + "…" : stored.CertificateThumbprint),
                    Spectre.Console.Markup.Escape(stored.CorrelationId),
                    Spectre.Console.Markup.Escape(stored.Reason),
                    Spectre.Console.Markup.Escape(stored.EvidenceReference));
            }

            Spectre.Console.AnsiConsole.Write(table);
            Console.WriteLine($"{RecordOptions.Describe(replayed.Record)} at version {replayed.Version}.");
            if (result.GetValue(state))
            {
                Console.WriteLine(replayed.StateJson);
            }

            return 0;
        }, partner));
        return command;
    }

    private static Command Diff(PartnerOptions partner)
    {
        var record = new RecordOptions();
        var from = new Option<string>("--from") { Description = "A version (a number) or a moment (ISO 8601)", Required = true };
        var to = new Option<string?>("--to") { Description = "A version or a moment; default: now" };
        var command = new Command("diff", "What changed in a household, partner or batch between two versions or moments, field by field, and by whom (purpose audit-investigation)") { from, to };
        record.AddTo(command);
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            using var channel = partner.Open(result);
            var client = new ReplayService.ReplayServiceClient(channel);
            var diff = await client.DiffRecordAsync(
                new DiffRecordRequest { Record = record.Of(result), From = PointOf(result.GetValue(from)), To = PointOf(result.GetValue(to)) }, cancellationToken: cancellationToken);
            var table = new Spectre.Console.Table().AddColumns("Field", "Change", "Before", "After", "v", "By");
            foreach (var change in diff.Changes)
            {
                var kind = change.Kind switch { FieldChangeKind.Added => "added", FieldChangeKind.Removed => "removed", _ => "changed" };
                table.AddRow(
                    Spectre.Console.Markup.Escape(change.Path),
                    kind,
                    Spectre.Console.Markup.Escape(change.BeforeJson),
                    Spectre.Console.Markup.Escape(change.AfterJson),
                    change.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Spectre.Console.Markup.Escape(change.OfficerId.Length > 0 ? $"{change.PartnerId} / {change.OfficerId}" : change.PartnerId));
            }

            Spectre.Console.AnsiConsole.Write(table);
            Console.WriteLine($"{RecordOptions.Describe(diff.Record)} from version {diff.FromVersion} to {diff.ToVersion}: {diff.Changes.Count} field changes in {diff.Events.Count} events.");
            return 0;
        }, partner));
        return command;
    }

    private static HistoryPoint? PointOf(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version))
        {
            return new HistoryPoint { Version = version };
        }

        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var moment)
            ? new HistoryPoint { Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(moment) }
            : throw new ArgumentException($"\"{text}\" is neither a version nor a moment (ISO 8601).");
    }

    private static Command KeyGen()
    {
        var name = new Option<string>("--name") { Description = "The key's name: for a hub, its log's origin (Hub:AuditLogOrigin); for a witness, its own name", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the private key (created readable by its owner only; never overwritten)", Required = true };
        var forWitness = new Option<bool>("--witness") { Description = "A witness's key (cosignature/v1), not a log's" };
        var command = new Command("keygen", "Make an Ed25519 signing key for a hub's checkpoints (Hub:AuditSigningKey) or a witness; prints its public verifier key") { name, output, forWitness };
        command.SetAction((result, _) => Commands.Reported(() =>
        {
            var path = result.GetValue(output)!.FullName;
            using var key = NoteSigningKey.Create(result.GetValue(name)!, result.GetValue(forWitness) ? NoteVerifierKey.CosignatureV1 : NoteVerifierKey.Ed25519);
            key.Save(path);
            Console.WriteLine(key.Verifier.ToString());
            return Task.FromResult(0);
        }));
        return command;
    }

}
