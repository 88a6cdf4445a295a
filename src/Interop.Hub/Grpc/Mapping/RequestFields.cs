using Grpc.Core;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Grpc.Mapping;

/// <summary>Fields every contract version reads the same way: ids the hub issued and moments.</summary>
internal static class RequestFields
{
    /// <summary>Why a value is not an id the hub issued, or null when it is one.</summary>
    public static FieldIssue? IdIssue(string value, string field, out Guid id) =>
        Guid.TryParse(value, out id) ? null : new FieldIssue(field, value.Length == 0 ? "is required" : "must be a UUID as issued by the hub");

    /// <summary>Why a timestamp is not one a date can hold (google.protobuf.Timestamp's own range: years 1 to 9999), or null.</summary>
    public static FieldIssue? TimestampIssue(Google.Protobuf.WellKnownTypes.Timestamp? value, string field) =>
        value is { Seconds: >= MinTimestampSeconds and <= MaxTimestampSeconds, Nanos: >= 0 and <= 999_999_999 }
            ? null
            : new FieldIssue(field, "must be a moment between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z (nanos 0 to 999,999,999)");

    /// <summary>The id, or INVALID_ARGUMENT naming the field.</summary>
    public static Guid ParseId(string value, string field) =>
        IdIssue(value, field, out var id) is { } issue
            ? throw Refusals.InvalidArgument($"{field} is not an id the hub issued.", [issue]).ToRpcException()
            : id;

    /// <summary>The hash of exactly what was sent: tells a resend under the same key from different content.</summary>
    public static string ContentHash(Google.Protobuf.IMessage request) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Google.Protobuf.MessageExtensions.ToByteArray(request)));

    private const long MinTimestampSeconds = -62_135_596_800;

    private const long MaxTimestampSeconds = 253_402_300_799;
}
