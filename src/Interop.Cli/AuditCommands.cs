using System.CommandLine;
using Interop.Contracts.Audit.V1;
using Interop.Transparency;

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
        var command = new Command("verify", "Recompute every leaf of the audit log from the stored rows, rebuild the tree and check it against every signed checkpoint") { trust, origin };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            var keys = result.GetValue(trust)!.Select(NoteVerifierKey.Parse).ToList();
            var expectedOrigin = result.GetValue(origin) ?? keys[0].Name;
            using var channel = partner.Open(result);
            var client = new AuditLogService.AuditLogServiceClient(channel);
            var started = System.Diagnostics.Stopwatch.StartNew();
            var verification = new LogVerification(expectedOrigin, keys);
            using (var checkpoints = client.ListCheckpoints(new ListCheckpointsRequest(), cancellationToken: cancellationToken))
            {
                while (await checkpoints.ResponseStream.MoveNext(cancellationToken))
                {
                    foreach (var note in checkpoints.ResponseStream.Current.Checkpoints)
                    {
                        verification.AddCheckpoint(note);
                    }
                }
            }

            using (var leaves = client.RecomputeLeaves(new RecomputeLeavesRequest(), cancellationToken: cancellationToken))
            {
                while (await leaves.ResponseStream.MoveNext(cancellationToken))
                {
                    var message = leaves.ResponseStream.Current;
                    verification.AddLeaves(
                        message.StartIndex,
                        message.StoredHashes.Span,
                        message.RecomputedHashes.Span,
                        [.. message.MissingRows.Select(row => (row.Index, Name(row)))],
                        message.DifferingRows.ToDictionary(row => row.Index, Name));
                }
            }

            var unlogged = await client.ListUnloggedRowsAsync(new ListUnloggedRowsRequest(), cancellationToken: cancellationToken);
            verification.AddUnloggedRows([.. unlogged.Rows.Select(Name)], unlogged.Total);
            var report = verification.Finish();
            var seconds = Math.Max(started.Elapsed.TotalSeconds, 0.001);
            Console.WriteLine($"Checked {report.Leaves} leaves and {report.Checkpoints} checkpoints in {seconds:0.0} s ({report.Leaves / seconds:0} leaves/s); the largest checkpoint verified covers {Math.Max(report.LargestVerifiedCheckpoint, 0)} leaves.");
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

    private static Command KeyGen()
    {
        var name = new Option<string>("--name") { Description = "The key's name: for a hub, its log's origin (Hub:AuditLogOrigin); for a witness, its own name", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the private key (created readable by its owner only; never overwritten)", Required = true };
        var command = new Command("keygen", "Make an Ed25519 signing key for a hub's checkpoints (Hub:AuditSigningKey); prints its public verifier key") { name, output };
        command.SetAction((result, _) => Commands.Reported(() =>
        {
            var path = result.GetValue(output)!.FullName;
            using var key = NoteSigningKey.Create(result.GetValue(name)!);
            key.Save(path);
            Console.WriteLine(key.Verifier.ToString());
            return Task.FromResult(0);
        }));
        return command;
    }

    private static string Name(LeafRow row) => $"{row.Source} #{row.Sequence}";
}
