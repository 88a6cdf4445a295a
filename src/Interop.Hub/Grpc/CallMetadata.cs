using System.Text.RegularExpressions;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Grpc;

/// <summary>
/// What a call says of itself in its metadata, beside its request: the purpose of a read
/// (x-interop-purpose, from the list in docs/partners.md) and the officer acting for the partner
/// (x-interop-officer: the partner's own staff id, recorded on every event and access log entry),
/// and the partner's correlation id for the call (x-correlation-id: recorded on every event the call
/// causes, so that an auditor can join the hub's history to the partner's own logs; the hub makes one
/// when the call names none, and answers with it in the response headers either way).
/// </summary>
internal static partial class CallMetadata
{
    public const string PurposeKey = Partners.Privacy.Purposes.MetadataKey;
    public const string OfficerKey = "x-interop-officer";
    public const string CorrelationKey = "x-correlation-id";

    /// <summary>The purpose the call names, if any.</summary>
    public static string? PurposeOf(HttpContext http) => Single(http, PurposeKey);

    /// <summary>The officer the call names (null for none), or why the value is refused.</summary>
    public static (string? OfficerId, FieldIssue? Issue) OfficerOf(HttpContext http) =>
        IdentifierOf(http, OfficerKey, "one staff id", "name the officer by the partner's own staff id, never by identity number");

    /// <summary>The correlation id the call names (null for none), or why the value is refused.</summary>
    public static (string? CorrelationId, FieldIssue? Issue) CorrelationOf(HttpContext http) =>
        IdentifierOf(http, CorrelationKey, "one correlation id", "a correlation id is stored with every event the call causes and must never carry an identity number");

    /// <summary>A value that is stored with what the call causes: one short identifier, never a NIK however punctuated.</summary>
    private static (string? Value, FieldIssue? Issue) IdentifierOf(HttpContext http, string key, string what, string notNik)
    {
        var values = http.Request.Headers[key];
        if (values.Count == 0)
        {
            return (null, null);
        }

        var value = values.Count == 1 ? values[0] ?? string.Empty : string.Empty;
        if (values.Count > 1 || !IdentifierPattern().IsMatch(value))
        {
            return (null, new FieldIssue(key, $"must be {what} of 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit"));
        }

        return NikLike().IsMatch(value.Replace(".", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).Replace(":", string.Empty, StringComparison.Ordinal))
            ? (null, new FieldIssue(key, $"looks like a NIK: {notNik}"))
            : (value, null);
    }

    private static string? Single(HttpContext http, string key) =>
        http.Request.Headers[key] is { Count: 1 } values && !string.IsNullOrWhiteSpace(values[0]) ? values[0]!.Trim() : null;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}\z")]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex("[0-9]{16}")]
    private static partial Regex NikLike();
}
