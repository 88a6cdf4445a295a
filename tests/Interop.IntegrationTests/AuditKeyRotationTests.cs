using Interop.IntegrationTests.Infrastructure;
using Interop.Transparency;

namespace Interop.IntegrationTests;

/// <summary>
/// The operator rotates the hub's audit signing key: the hub restarts with a new key, older
/// checkpoints stay signed by the old one, and the untouched store verifies clean for an auditor
/// who trusts both keys, while one who trusts only the new key is told which checkpoints it cannot trust.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class AuditKeyRotationTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "audit_rotation")
{
    [Fact]
    public async Task An_untouched_store_verifies_clean_across_a_key_rotation()
    {
        await HouseholdSteps.ActiveAsync(Hub, Pki, 1801);
        var before = await AuditLogSteps.SettledLogAsync(ConnectionString);
        await Hub.DisposeAsync();
        firstHubStopped = true;

        var newKeyPath = Path.Combine(Pki.Folder, $"rotated-{Guid.NewGuid():N}.key");
        using var newKey = NoteSigningKey.Create(TestPki.AuditOrigin);
        newKey.Save(newKeyPath);
        await using var rotated = await RunningHub.StartAsync(Pki.CaPath, Pki.ServerCertificatePath, Pki.ServerKeyPath, Pki.Ca, new()
        {
            ["ConnectionStrings:RegistryOwner"] = ConnectionString,
            ["ConnectionStrings:Registry"] = Postgres.ServingConnectionString(ConnectionString),
            ["Hub:AuditSigningKey"] = newKeyPath,
        });
        await HouseholdSteps.ActiveAsync(rotated, Pki, 1802);
        var after = await AuditLogSteps.SettledLogAsync(ConnectionString);
        using var oldKey = NoteSigningKey.Parse(await File.ReadAllTextAsync(Pki.AuditKeyPath));

        var (bothExit, both, _) = await AuditLogSteps.VerifyAsync(rotated, Pki, oldKey.Verifier.ToString(), newKey.Verifier.ToString());
        var (newOnlyExit, newOnly, _) = await AuditLogSteps.VerifyAsync(rotated, Pki, newKey.Verifier.ToString());

        Assert.True(after > before);
        Assert.Equal(0, bothExit);
        Assert.Contains($"Checked {after} leaves", both, StringComparison.Ordinal);
        Assert.Equal(AuditLogSteps.AuditExit, newOnlyExit);
        Assert.Contains($"(size {before}): No key the verifier knows signed the note", newOnly, StringComparison.Ordinal);
    }

    private bool firstHubStopped;

    public override async Task DisposeAsync()
    {
        // The story stops the first hub itself, before the rotated one starts.
        if (!firstHubStopped)
        {
            await base.DisposeAsync();
        }
    }
}
