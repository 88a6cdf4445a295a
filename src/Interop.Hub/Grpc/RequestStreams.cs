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

    /// <summary>
    /// A client stream whose messages each carry a group of items: the items one by one, each with its
    /// share of what its message holds in memory. A message of more than <paramref name="most"/> items
    /// ends the stream with INVALID_ARGUMENT naming <paramref name="field"/> (whatever came before it is
    /// still taken).
    /// </summary>
    public static async IAsyncEnumerable<Held<T>> MappedEach<TRequest, TItem, T>(
        this IAsyncStreamReader<TRequest> requests,
        Func<TRequest, IReadOnlyList<TItem>> itemsOf,
        Func<TItem, T> map,
        int most,
        string field,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TRequest : IMessage
        where TItem : IMessage
    {
        while (await requests.MoveNext(cancellationToken))
        {
            var items = itemsOf(requests.Current);
            if (items.Count > most)
            {
                throw Mapping.Refusals.InvalidArgument(
                    "Stream ended; everything sent before this message was taken and answered.", [new(field, $"must hold at most {most:N0} items a message, not {items.Count:N0}")]).ToRpcException();
            }

            foreach (var item in items)
            {
                yield return new(map(item), StreamBudget.InMemory(item.CalculateSize()));
            }
        }
    }
}
