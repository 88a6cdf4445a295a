using Interop.IntegrationTests.Infrastructure;
using Interop.Transparency;

namespace Interop.IntegrationTests;

/// <summary>
/// The audit log's writer resuming on a store someone wrote into behind the hub's back: a leaf and a
/// checkpoint planted far beyond the log's end must neither stop it (it would find no subtrees there)
/// nor make it pass over the rows that come next (the planted leaf names a row not yet written) nor
/// stop it signing (the planted checkpoint is larger than anything it will sign); verification
/// reports both.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class AuditWriterResumeTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "audit_resume")
{
    private const long FarAhead = 1_000_000_000_000;

    private bool firstHubStopped;

    [Fact]
    public async Task A_leaf_and_a_checkpoint_planted_far_ahead_neither_stop_the_writer_nor_make_it_skip_rows()
    {
        await HouseholdSteps.ActiveAsync(Hub, Pki, 1901);
        var before = await AuditLogSteps.SettledLogAsync(ConnectionString);
        await Hub.DisposeAsync();
        firstHubStopped = true;
        // A leaf for an event row that does not exist yet (the next ones drawn), and a checkpoint beyond it.
        await StoreProbe.ExecuteAsync(ConnectionString, $"""
            insert into interop.audit_leaf (idx, source, ref, hash) select {FarAhead}, 1, max(seq_id) + 50, '\x00' from interop.mt_events;
            insert into interop.audit_checkpoint (size, root, signed_at, note) values ({FarAhead + 1}, '\x00', now(), 'planted');
            """);

        await using var resumed = await RunningHub.StartAsync(Pki.CaPath, Pki.ServerCertificatePath, Pki.ServerKeyPath, Pki.Ca, new()
        {
            ["ConnectionStrings:RegistryOwner"] = ConnectionString,
            ["ConnectionStrings:Registry"] = Postgres.ServingConnectionString(ConnectionString),
            ["Hub:AuditSigningKey"] = Pki.AuditKeyPath,
        });
        await HouseholdSteps.ActiveAsync(resumed, Pki, 1902);
        var after = await AuditLogSteps.SettledLogAsync(ConnectionString, below: FarAhead);
        using var key = NoteSigningKey.Parse(await File.ReadAllTextAsync(Pki.AuditKeyPath));
        var (plantedExit, planted, _) = await AuditLogSteps.VerifyAsync(resumed, Pki, key.Verifier.ToString());
        await StoreProbe.ExecuteAsync(ConnectionString, $"delete from interop.audit_leaf where idx = {FarAhead}; delete from interop.audit_checkpoint where size = {FarAhead + 1}");
        var (cleanExit, clean, _) = await AuditLogSteps.VerifyAsync(resumed, Pki, key.Verifier.ToString());

        Assert.True(after > before);
        Assert.True(plantedExit == AuditLogSteps.AuditExit, planted);
        Assert.Contains("leaves-unreached", planted, StringComparison.Ordinal);
        Assert.Contains("checkpoint-signature", planted, StringComparison.Ordinal);
        Assert.True(cleanExit == 0, clean);
        Assert.Contains("The log verifies", clean, StringComparison.Ordinal);
    }

    public override async Task DisposeAsync()
    {
        // The story stops the first hub itself, before the resumed one starts.
        if (!firstHubStopped)
        {
            await base.DisposeAsync();
        }
    }
}
