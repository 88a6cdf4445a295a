namespace Interop.Cli.Bench;

/// <summary>Samples a process's resident memory (its working set) every 100 ms and keeps the peak.</summary>
internal sealed class MemorySampler
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task<long?> sampling;

    private MemorySampler(int? processId)
    {
        sampling = processId is { } id ? SampleAsync(id, stop.Token) : Task.FromResult<long?>(null);
    }

    public static MemorySampler Start(int? processId) => new(processId);

    public async Task<long?> StopAsync()
    {
        await stop.CancelAsync();
        var peak = await sampling;
        stop.Dispose();
        return peak;
    }

    private static async Task<long?> SampleAsync(int processId, CancellationToken cancellationToken)
    {
        long peak = 0;
        using var process = System.Diagnostics.Process.GetProcessById(processId);
        while (true)
        {
            process.Refresh();
            peak = Math.Max(peak, process.WorkingSet64);
            try
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return peak;
            }
        }
    }
}
