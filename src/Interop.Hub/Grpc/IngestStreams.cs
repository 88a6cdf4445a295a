using Grpc.Core;

namespace Interop.Hub.Grpc;

/// <summary>
/// How many ingest streams (household submissions, civil-registry reconciliations) may be open at
/// once: per partner, so that one partner cannot take every slot from the others, and for the whole
/// hub, so that the memory they hold has a bound (docs/operations.md). One more is refused with
/// RESOURCE_EXHAUSTED at once rather than queued.
/// </summary>
internal sealed class IngestStreams(int perPartner, int total)
{
    public const int DefaultPerPartner = 4;
    public const int DefaultTotal = 32;

    private readonly Dictionary<string, int> open = new(StringComparer.Ordinal);
    private int count;

    /// <summary>A slot for the partner's stream, given back when disposed; or RESOURCE_EXHAUSTED saying which limit was reached.</summary>
    public IDisposable Enter(string partnerId)
    {
        lock (open)
        {
            var mine = open.GetValueOrDefault(partnerId);
            if (mine >= perPartner)
            {
                throw new RpcException(new Status(
                    StatusCode.ResourceExhausted, $"This partner already has {mine} ingest streams open, the most one partner may; finish one (or wait for its answers) and retry."));
            }

            if (count >= total)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"The hub already serves {count} ingest streams, the most it takes at once; retry in a moment."));
            }

            open[partnerId] = mine + 1;
            count++;
        }

        return new Slot(this, partnerId);
    }

    private void Leave(string partnerId)
    {
        lock (open)
        {
            count--;
            if (--open[partnerId] == 0)
            {
                open.Remove(partnerId);
            }
        }
    }

    private sealed class Slot(IngestStreams streams, string partnerId) : IDisposable
    {
        private int left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref left, 1) == 0)
            {
                streams.Leave(partnerId);
            }
        }
    }
}
