using Grpc.Core;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Registry.Search;
using Marten;

namespace Interop.Hub.Grpc;

/// <summary>What every registry contract version does the same way when it reads: ids and searches.</summary>
internal static class RegistryReads
{
    /// <summary>Why a value is not an id the hub issued, or null when it is one.</summary>
    public static FieldIssue? IdIssue(string value, string field, out Guid id) =>
        Guid.TryParse(value, out id) ? null : new FieldIssue(field, value.Length == 0 ? "is required" : "must be a UUID as issued by the hub");

    /// <summary>The id, or INVALID_ARGUMENT naming the field.</summary>
    public static Guid ParseId(string value, string field) =>
        IdIssue(value, field, out var id) is { } issue
            ? throw RegistryMapping.InvalidArgument($"{field} is not an id the hub issued.", [issue]).ToRpcException()
            : id;

    /// <summary>A page of the search, or INVALID_ARGUMENT naming each filter it refused.</summary>
    public static async Task<SearchOutcome.Page> SearchAsync(IQuerySession session, HouseholdQuery query, CancellationToken cancellationToken) =>
        await new HouseholdSearch(session).SearchAsync(query, cancellationToken) switch
        {
            SearchOutcome.Invalid invalid => throw RegistryMapping.InvalidArgument("Search refused.", invalid.Violations).ToRpcException(),
            var outcome => (SearchOutcome.Page)outcome,
        };
}
