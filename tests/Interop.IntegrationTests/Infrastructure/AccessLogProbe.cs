using Google.Protobuf.WellKnownTypes;
using Interop.Contracts.Audit.V1;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>What the access log holds, read as an auditor reads it (the steward's audit.read), for stories that check their refusals were logged.</summary>
public static class AccessLogProbe
{
    /// <summary>The refusal of a partner's call to a method, with that outcome, logged since a moment (refusals are written just after they are answered: waits up to 10 s).</summary>
    public static async Task<AccessEntry> RefusalAsync(RunningHub hub, TestPki pki, DateTimeOffset since, string partnerId, string method, string outcome)
    {
        var log = new AccessLogService.AccessLogServiceClient(hub.Channel(pki.Steward));
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while (true)
        {
            Google.Protobuf.Collections.RepeatedField<AccessEntry> entries;
            try
            {
                entries = (await log.ListAccessEntriesAsync(new ListAccessEntriesRequest { PartnerId = partnerId, StartTime = Timestamp.FromDateTimeOffset(since.AddSeconds(-1)), PageSize = 500 })).Entries;
            }
            catch (Grpc.Core.RpcException refused) when (refused.StatusCode == Grpc.Core.StatusCode.ResourceExhausted && DateTimeOffset.UtcNow < deadline)
            {
                // A story with low fair-use limits: the steward's own reads wait their turn.
                await Task.Delay(500);
                continue;
            }

            var found = entries.FirstOrDefault(entry => entry.Kind == AccessEntryKind.Refusal && entry.Method.EndsWith($"/{method}", StringComparison.Ordinal) && entry.Outcome == outcome);
            if (found is not null)
            {
                return found;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"No {outcome} refusal of {partnerId}'s {method} in the access log; it holds: {string.Join("; ", entries.Select(entry => $"{entry.Method} {entry.Outcome}"))}");
            await Task.Delay(200);
        }
    }
}
