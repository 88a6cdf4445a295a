using Grpc.Core;
using Interop.Contracts.Audit.V1;
using Interop.Transparency;

namespace Interop.Cli;

/// <summary>
/// The walk of `interop audit verify` over the wire, shared with the benchmark: every checkpoint,
/// then the log's claimed size (no checkpoint listed before can exceed it), then every leaf up to it
/// recomputed from its row, then the rows the log lacks; the pure <see cref="LogVerification"/> decides.
/// </summary>
internal static class AuditWalk
{
    public static async Task<LogVerificationReport> VerifyAsync(AuditLogService.AuditLogServiceClient client, LogVerification verification, CancellationToken cancellationToken)
    {
        using (var checkpoints = client.ListCheckpoints(new ListCheckpointsRequest(), cancellationToken: cancellationToken))
        {
            await foreach (var page in checkpoints.ResponseStream.ReadAllAsync(cancellationToken))
            {
                foreach (var note in page.Checkpoints)
                {
                    verification.AddCheckpoint(note);
                }
            }
        }

        var storedLeaves = (await client.GetLogInfoAsync(new GetLogInfoRequest(), cancellationToken: cancellationToken)).Size;
        using (var leaves = client.RecomputeLeaves(new RecomputeLeavesRequest { EndIndex = storedLeaves }, cancellationToken: cancellationToken))
        {
            await foreach (var message in leaves.ResponseStream.ReadAllAsync(cancellationToken))
            {
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
        return verification.Finish(storedLeaves);
    }

    /// <summary>A row as the report names it: its table and sequence.</summary>
    public static string Name(LeafRow row) => $"{row.Source} #{row.Sequence}";
}
