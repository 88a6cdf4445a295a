using System.Runtime.CompilerServices;
using Google.Protobuf;
using Grpc.Core;
using Interop.Hub.Streaming;

namespace Interop.Hub.Grpc;

/// <summary>Client streams as the slices take them: each request mapped as it is read, with what it holds in memory.</summary>
internal static class RequestStreams
{
    public static async IAsyncEnumerable<Held<T>> Mapped<TRequest, T>(
        this IAsyncStreamReader<TRequest> requests, Func<TRequest, T> map, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TRequest : IMessage
    {
        while (await requests.MoveNext(cancellationToken))
        {
            yield return new(map(requests.Current), StreamBudget.InMemory(requests.Current.CalculateSize()));
        }
    }
}
