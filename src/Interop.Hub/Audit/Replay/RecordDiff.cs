using System.Globalization;
using System.Text.Json;

namespace Interop.Hub.Audit.Replay;

internal enum FieldChangeKind
{
    Added = 1,
    Changed = 2,
    Removed = 3,
}

/// <summary>One field of a record that differs between two states: its path and its value before and after, as JSON (null when absent).</summary>
internal sealed record FieldDifference(string Path, FieldChangeKind Kind, string? Before, string? After);

/// <summary>
/// The difference between two states of a record, field by field. A list of objects is matched by
/// the member that identifies its items (a member's NIK, a programme, a change's id) rather than by
/// position, so removing the second member of three reads as one member removed, not two changed.
/// Pure.
/// </summary>
internal static class RecordDiff
{
    /// <summary>Members that identify an item of a list, first found wins.</summary>
    private static readonly string[] Identities = ["nik", "changeid", "program", "id", "householdid", "thumbprint"];

    public static IReadOnlyList<FieldDifference> Between(JsonElement before, JsonElement after)
    {
        var old = Flatten(before);
        var now = Flatten(after);
        var differences = new List<FieldDifference>();
        foreach (var (path, value) in old)
        {
            if (!now.TryGetValue(path, out var current))
            {
                differences.Add(new FieldDifference(path, FieldChangeKind.Removed, value, null));
            }
            else if (current != value)
            {
                differences.Add(new FieldDifference(path, FieldChangeKind.Changed, value, current));
            }
        }

        differences.AddRange(now.Where(pair => !old.ContainsKey(pair.Key)).Select(pair => new FieldDifference(pair.Key, FieldChangeKind.Added, null, pair.Value)));
        return [.. differences.OrderBy(difference => difference.Path, StringComparer.Ordinal)];
    }

    /// <summary>Every leaf value of the JSON by its path; empty lists and objects count as values of their own.</summary>
    public static IReadOnlyDictionary<string, string> Flatten(JsonElement element)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(element, string.Empty, values);
        return values;
    }

    private static void Walk(JsonElement element, string path, Dictionary<string, string> values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object when element.EnumerateObject().Any():
                foreach (var member in element.EnumerateObject())
                {
                    Walk(member.Value, path.Length == 0 ? member.Name : $"{path}.{member.Name}", values);
                }

                break;
            case JsonValueKind.Array when element.GetArrayLength() > 0:
                var items = element.EnumerateArray().ToList();
                var key = IdentityOf(items);
                for (var i = 0; i < items.Count; i++)
                {
                    var label = key is null ? i.ToString(CultureInfo.InvariantCulture) : $"{key}={Text(Member(items[i], key))}";
                    Walk(items[i], $"{path}[{label}]", values);
                }

                break;
            case JsonValueKind.Null:
                // An absent value and a null one read the same to an auditor.
                break;
            default:
                values[path] = element.GetRawText();
                break;
        }
    }

    /// <summary>The member that tells the list's items apart, when every item is an object that has it, with a distinct scalar value.</summary>
    private static string? IdentityOf(IReadOnlyList<JsonElement> items)
    {
        if (items.Any(item => item.ValueKind != JsonValueKind.Object))
        {
            return null;
        }

        foreach (var identity in Identities)
        {
            var name = items[0].EnumerateObject().Select(member => member.Name).FirstOrDefault(candidate => string.Equals(candidate, identity, StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                continue;
            }

            var keys = items.Select(item => item.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number ? Text(value) : null).ToList();
            if (keys.All(value => value is not null) && keys.Distinct(StringComparer.Ordinal).Count() == keys.Count)
            {
                return name;
            }
        }

        return null;
    }

    private static JsonElement Member(JsonElement item, string name) => item.GetProperty(name);

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
