using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interop.Hub.Partners.Directory;

/// <summary>
/// The partners a hub starts with (Hub:PartnerSeed, a JSON file): at start-up, each one the
/// directory does not hold yet is registered, and a certificate it names that is not bound yet is
/// bound, as events by the hub itself. Nothing else is ever changed from the file: once a partner
/// exists, the steward runs it through the admin service. This is how the first steward of a new
/// hub comes to exist, and how the quick start's demo partners do (certs/demo-partners.json).
/// A seed the directory refuses stops the hub with the reason.
/// </summary>
internal sealed class PartnerSeed(string path, IServiceScopeFactory scopes, ILogger<PartnerSeed> logger) : IHostedService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var file = Read();
        await using var scope = scopes.CreateAsyncScope();
        var administration = scope.ServiceProvider.GetRequiredService<PartnerAdministration>();
        var reads = scope.ServiceProvider.GetRequiredService<PartnerReads>();
        var certificates = scope.ServiceProvider.GetRequiredService<PartnerCertificates>();
        var reason = $"Seeded from {Path.GetFileName(path)} at the hub's start";
        foreach (var entry in file.Partners)
        {
            var pem = ReadCertificate(folder, entry);
            var outcome = await reads.OneAsync(entry.Id, cancellationToken) switch
            {
                null => await administration.RegisterAsync(
                    new RegisterPartner(entry.Id, KindOf(entry), entry.DisplayName, entry.Areas ?? [], entry.Scopes ?? [], [pem], reason, Actor.Hub, null), cancellationToken),
                { } known when certificates.Inspect(pem) is not { } facts || !known.Holds(facts.Certificate.Thumbprint) =>
                    await administration.ChangeAsync(new PartnerRecordChange.BindCertificate(entry.Id, known.Version, pem, reason, Actor.Hub, null), cancellationToken),
                { } known => new PartnerOutcome.Done(known),
            };
            if (outcome is not PartnerOutcome.Done done)
            {
                throw new HubConfigurationException($"Hub:PartnerSeed {path}: partner {entry.Id} was refused: {Describe(outcome)}");
            }

            logger.LogInformation("Partner {PartnerId} in the directory at version {Version} (seed {Seed})", done.Partner.PartnerId, done.Partner.Version, Path.GetFileName(path));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private SeedFile Read()
    {
        try
        {
            return JsonSerializer.Deserialize<SeedFile>(File.ReadAllText(path), Json) ?? throw new JsonException("The file is empty.");
        }
        catch (Exception exception) when (exception is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new HubConfigurationException($"Hub:PartnerSeed {path} cannot be read: {exception.Message}");
        }
    }

    private string ReadCertificate(string folder, SeedPartner entry)
    {
        var certificate = Path.Combine(folder, entry.Certificate);
        try
        {
            return File.ReadAllText(certificate);
        }
        catch (IOException exception)
        {
            throw new HubConfigurationException($"Hub:PartnerSeed {path}: the certificate of partner {entry.Id} cannot be read ({certificate}): {exception.Message}");
        }
    }

    private PartnerKind KindOf(SeedPartner entry) =>
        PartnerIdentity.KindOf(entry.Kind) ?? throw new HubConfigurationException($"Hub:PartnerSeed {path}: partner {entry.Id} has no known kind ({entry.Kind}).");

    private static string Describe(PartnerOutcome outcome) => outcome switch
    {
        PartnerOutcome.Decided { Decision: PartnerDecision.Invalid invalid } => string.Join("; ", invalid.Violations.Select(issue => $"{issue.Field} {issue.Description}")),
        PartnerOutcome.Decided { Decision: PartnerDecision.NotAllowed refused } => refused.Reason,
        PartnerOutcome.Decided { Decision: PartnerDecision.Taken taken } => taken.Reason,
        _ => outcome.ToString(),
    };

    private sealed record SeedFile(IReadOnlyList<SeedPartner> Partners);

    private sealed record SeedPartner(string Id, string Kind, string DisplayName, IReadOnlyList<string>? Areas, IReadOnlyList<string>? Scopes, string Certificate);
}
