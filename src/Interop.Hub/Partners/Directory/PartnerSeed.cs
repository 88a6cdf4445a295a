using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interop.Hub.Partners.Directory;

/// <summary>
/// The partners a hub starts with (Hub:PartnerSeed, a JSON file): at start-up, each one the
/// directory does not hold yet is registered with the certificate the file names, as events by the
/// hub itself. A partner the directory holds is never changed from the file (a certificate the
/// steward unbound is not bound again): the steward runs it through the admin service. This is how
/// the first steward of a new hub comes to exist, and how the quick start's demo partners do
/// (certs/out/partners.json, written by certs/dev-pki.sh).
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
        var reason = $"Seeded from {Path.GetFileName(path)} at the hub's start";
        foreach (var entry in file.Partners ?? throw new HubConfigurationException($"Hub:PartnerSeed {path} lists no partners."))
        {
            if (entry is not { Id: not null, Kind: not null, DisplayName: not null, Certificate: not null })
            {
                throw new HubConfigurationException($"Hub:PartnerSeed {path}: every partner needs an id, a kind, a displayName and a certificate.");
            }

            if (await reads.OneAsync(entry.Id, cancellationToken) is { } known)
            {
                // Once registered, a partner is the steward's to run: the seed never binds, rescopes or reinstates it again.
                logger.LogInformation("Partner {PartnerId} is in the directory (version {Version}); the seed leaves it as it is", known.PartnerId, known.Version);
                continue;
            }

            var command = new RegisterPartner(entry.Id, KindOf(entry), entry.DisplayName, entry.Areas ?? [], entry.Scopes ?? [], [ReadCertificate(folder, entry)], reason, Actor.Hub, null);
            switch (await administration.RegisterAsync(command, cancellationToken))
            {
                case PartnerOutcome.Done done:
                    logger.LogInformation("Partner {PartnerId} registered from the seed {Seed}", done.Partner.PartnerId, Path.GetFileName(path));
                    break;
                case PartnerOutcome.Decided { Decision: PartnerDecision.Taken { Field: "partner_id" } }:
                    // Another hub on the same database registered it first.
                    break;
                case var refused:
                    throw new HubConfigurationException($"Hub:PartnerSeed {path}: partner {entry.Id} was refused: {Describe(refused)}");
            }
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
        var certificate = Path.Combine(folder, entry.Certificate!);
        try
        {
            return File.ReadAllText(certificate);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new HubConfigurationException($"Hub:PartnerSeed {path}: the certificate of partner {entry.Id} cannot be read ({certificate}): {exception.Message}");
        }
    }

    private PartnerKind KindOf(SeedPartner entry) =>
        PartnerIdentity.KindOf(entry.Kind!) ?? throw new HubConfigurationException($"Hub:PartnerSeed {path}: partner {entry.Id} has no known kind ({entry.Kind}).");

    private static string Describe(PartnerOutcome outcome) => outcome switch
    {
        PartnerOutcome.Decided { Decision: PartnerDecision.Invalid invalid } => string.Join("; ", invalid.Violations.Select(issue => $"{issue.Field} {issue.Description}")),
        PartnerOutcome.Decided { Decision: PartnerDecision.NotAllowed refused } => refused.Reason,
        PartnerOutcome.Decided { Decision: PartnerDecision.Taken taken } => taken.Reason,
        _ => outcome.ToString(),
    };

    private sealed record SeedFile(IReadOnlyList<SeedPartner?>? Partners);

    private sealed record SeedPartner(string? Id, string? Kind, string? DisplayName, IReadOnlyList<string>? Areas, IReadOnlyList<string>? Scopes, string? Certificate);
}
