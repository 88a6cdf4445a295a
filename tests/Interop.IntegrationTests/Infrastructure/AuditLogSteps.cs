namespace Interop.IntegrationTests.Infrastructure;

/// <summary>What the audit log's stories share: waiting for the log to cover the store, and an auditor's `interop audit verify`.</summary>
public static class AuditLogSteps
{
    /// <summary>`interop audit verify`'s exit code for a log that does not verify.</summary>
    public const int AuditExit = 5;

    /// <summary>The auditor's `interop audit verify`, trusting the verifier keys given.</summary>
    public static Task<(int ExitCode, string Output, string Error)> VerifyAsync(RunningHub hub, TestPki pki, params string[] trustedKeys) =>
        InteropCli.RunAsync(["audit", "verify", .. trustedKeys.SelectMany(key => new[] { "--trust", key }), .. InteropCli.PartnerArguments(hub, pki, pki.Auditor, "auditor")]);

    /// <summary>Waits until every row of the tables the log covers is a leaf and a checkpoint covers them all; the log's size.</summary>
    /// <param name="below">Only checkpoints smaller than this count (one planted far ahead does not).</param>
    public static async Task<long> SettledLogAsync(string connectionString, long below = long.MaxValue)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(20);
        while (true)
        {
            var stored = await StoreProbe.CountAsync(connectionString, StoredRows);
            var covered = await StoreProbe.CountAsync(connectionString, $"select coalesce(max(size), -1) from interop.audit_checkpoint where size < {below}");
            if (covered == stored)
            {
                return covered;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"the log covers {covered} of {stored} rows after 20 s");
            await Task.Delay(100);
        }
    }

    /// <summary>How many rows the tables the log covers hold (Marten's tombstones aside).</summary>
    public const string StoredRows = """
            select (select count(*) from interop.mt_events where type <> 'tombstone') + (select count(*) from interop.disbursement_line)
              + (select count(*) from interop.disbursement_left_out) + (select count(*) from interop.payment_event)
              + (select count(*) from interop.unknown_confirmation) + (select count(*) from interop.bank_instruction) + (select count(*) from interop.access_log)
            """;
}
