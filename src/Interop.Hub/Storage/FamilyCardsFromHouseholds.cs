using Marten;

namespace Interop.Hub.Storage;

/// <summary>
/// A store from before family-card numbers were registered gets its registrations once, at startup,
/// from its open households (<see cref="FamilyCardRegistration.BackfillAsync"/>). Numbers an earlier
/// version let two open households hold stay with the first; the others are counted in the log for
/// the steward to merge or deactivate.
/// </summary>
internal sealed class FamilyCardsFromHouseholds(IDocumentStore store, ILogger<FamilyCardsFromHouseholds> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        if (await FamilyCardRegistration.BackfillAsync(session, cancellationToken) is { } twice)
        {
            logger.LogInformation("Registered the family-card numbers of open households; {Count} open household(s) share a number with an earlier one", twice);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
