using Grpc.Core;
using Interop.Contracts.Registry.V1;

namespace Interop.Cli;

/// <summary>Sends households as one SubmitHouseholds stream while reading the outcomes as they come.</summary>
public static class HouseholdSubmission
{
    private const int FlushEvery = 50;

    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    private static readonly WriteOptions Flushed = new();

    public static async Task RunAsync(
        RegistryService.RegistryServiceClient client,
        IEnumerable<SubmitHouseholdsRequest> households,
        Action<SubmitHouseholdsResponse> onOutcome,
        CancellationToken cancellationToken = default)
    {
        using var call = client.SubmitHouseholds(cancellationToken: cancellationToken);
        var sending = Task.Run(
            async () =>
            {
                // Households go out in groups: each write only appends to the request, every
                // FlushEvery-th one sends what was appended (and CompleteAsync sends the rest).
                var written = 0;
                foreach (var household in households)
                {
                    call.RequestStream.WriteOptions = ++written % FlushEvery == 0 ? Flushed : Buffered;
                    await call.RequestStream.WriteAsync(household, cancellationToken);
                }

                await call.RequestStream.CompleteAsync();
            },
            cancellationToken);
        try
        {
            await foreach (var outcome in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                onOutcome(outcome);
            }
        }
        finally
        {
            // A failed call also fails the sender; the call's own status is the one worth reporting.
            await sending.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        await sending;
    }
}
