using System.Text.RegularExpressions;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Grpc;

/// <summary>
/// What a call says of itself in its metadata, beside its request: the purpose of a read
/// (x-interop-purpose, from the list in docs/partners.md) and the officer acting for the partner
/// (x-interop-officer: the partner's own staff id, recorded on every event and access log entry).
/// </summary>
internal static partial class CallMetadata
{
    public const string PurposeKey = Partners.Privacy.Purposes.MetadataKey;
    public const string OfficerKey = "x-interop-officer";

    /// <summary>The purpose the call names, if any.</summary>
    public static string? PurposeOf(HttpContext http) => Single(http, PurposeKey);

    /// <summary>The officer the call names (null for none), or why the value is refused.</summary>
    public static (string? OfficerId, FieldIssue? Issue) OfficerOf(HttpContext http)
    {
        var values = http.Request.Headers[OfficerKey];
        if (values.Count == 0)
        {
            return (null, null);
        }

        var value = values.Count == 1 ? values[0] ?? string.Empty : string.Empty;
        if (values.Count > 1 || !OfficerPattern().IsMatch(value))
        {
            return (null, new FieldIssue(OfficerKey, "must be one staff id of 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit"));
        }

        // A partner's staff id is its own pseudonym for the officer; a person's NIK is not one, however punctuated.
        return NikLike().IsMatch(value.Replace(".", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).Replace(":", string.Empty, StringComparison.Ordinal))
            ? (null, new FieldIssue(OfficerKey, "looks like a NIK: name the officer by the partner's own staff id, never by identity number"))
            : (value, null);
    }

    private static string? Single(HttpContext http, string key) =>
        http.Request.Headers[key] is { Count: 1 } values && !string.IsNullOrWhiteSpace(values[0]) ? values[0]!.Trim() : null;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}\z")]
    private static partial Regex OfficerPattern();

    [GeneratedRegex("[0-9]{16}")]
    private static partial Regex NikLike();
}
