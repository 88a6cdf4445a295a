using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Interop.Transparency;

/// <summary>
/// The JSON Canonicalization Scheme of RFC 8785, the bytes every leaf of the audit log hashes:
/// no whitespace, object members sorted by the UTF-16 code units of their names, strings escaped
/// as ECMAScript's JSON.stringify does (only the quote, the backslash and the controls below U+0020;
/// everything else as UTF-8), literals as written, and numbers as ECMAScript writes a double.
/// One deliberate departure: a number written as an integer (no fraction, no exponent) keeps its
/// exact decimal digits. RFC 8785 would round an integer beyond 2^53 to the nearest double, so two
/// different amounts or sequence numbers could encode alike; below 2^53 both rules give the same text.
/// A second one: a number with a fraction or exponent beyond the range of a double (which RFC 8785
/// refuses) keeps its text as given, so that every value PostgreSQL's <c>jsonb</c> can hold has an
/// encoding (it writes such numbers in one plain decimal form). Nesting is accepted to a depth of
/// 1,000. Duplicate member names and lone surrogates are refused: they have no canonical form
/// (PostgreSQL's <c>jsonb</c> keeps neither).
/// </summary>
public static class CanonicalJson
{
    private static readonly JsonDocumentOptions Strict = new() { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 1_000 };

    /// <summary>The canonical bytes of the JSON text given; throws <see cref="FormatException"/> for text that is not JSON or has no canonical form.</summary>
    public static byte[] Canonicalize(ReadOnlySpan<byte> utf8Json)
    {
        var output = new ArrayBufferWriter<byte>(utf8Json.Length + 16);
        Canonicalize(utf8Json, output);
        return output.WrittenSpan.ToArray();
    }

    /// <inheritdoc cref="Canonicalize(ReadOnlySpan{byte})"/>
    public static byte[] Canonicalize(string json) => Canonicalize(Encoding.UTF8.GetBytes(json));

    /// <summary>Writes the canonical bytes of <paramref name="utf8Json"/> to <paramref name="output"/>.</summary>
    public static void Canonicalize(ReadOnlySpan<byte> utf8Json, IBufferWriter<byte> output)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray(), Strict);
        }
        catch (JsonException error)
        {
            throw new FormatException($"Not JSON: {error.Message}", error);
        }

        using (document)
        {
            Write(document.RootElement, output);
        }
    }

    private static void Write(JsonElement element, IBufferWriter<byte> output)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(element, output);
                break;
            case JsonValueKind.Array:
                output.Write("["u8);
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        output.Write(","u8);
                    }

                    first = false;
                    Write(item, output);
                }

                output.Write("]"u8);
                break;
            case JsonValueKind.String:
                WriteString(StringOf(element), output);
                break;
            case JsonValueKind.Number:
                WriteAscii(Number(element.GetRawText()), output);
                break;
            case JsonValueKind.True:
                output.Write("true"u8);
                break;
            case JsonValueKind.False:
                output.Write("false"u8);
                break;
            case JsonValueKind.Null:
                output.Write("null"u8);
                break;
            default:
                throw new FormatException($"Unexpected JSON value kind {element.ValueKind}.");
        }
    }

    private static void WriteObject(JsonElement element, IBufferWriter<byte> output)
    {
        var members = new List<(string Name, JsonElement Value)>();
        foreach (var property in element.EnumerateObject())
        {
            members.Add((NameOf(property), property.Value));
        }

        // UTF-16 code unit order, as RFC 8785 section 3.2.3 says (ordinal comparison of .NET strings is exactly that).
        members.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        output.Write("{"u8);
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0)
            {
                if (string.Equals(members[i - 1].Name, members[i].Name, StringComparison.Ordinal))
                {
                    throw new FormatException("An object names the same member twice; it has no canonical form.");
                }

                output.Write(","u8);
            }

            WriteString(members[i].Name, output);
            output.Write(":"u8);
            Write(members[i].Value, output);
        }

        output.Write("}"u8);
    }

    private static string NameOf(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException error)
        {
            throw new FormatException("A member name holds a lone surrogate; it has no canonical form.", error);
        }
    }

    private static string StringOf(JsonElement element)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException error)
        {
            throw new FormatException("A string holds a lone surrogate; it has no canonical form.", error);
        }
    }

    private static void WriteString(string value, IBufferWriter<byte> output)
    {
        var text = new StringBuilder(value.Length + 2);
        text.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1])))
            {
                throw new FormatException("A string holds a lone surrogate; it has no canonical form.");
            }

            if (char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(value[i - 1])))
            {
                throw new FormatException("A string holds a lone surrogate; it has no canonical form.");
            }

            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\b':
                    text.Append("\\b");
                    break;
                case '\f':
                    text.Append("\\f");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        text.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('"');
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        output.Write(bytes);
    }

    private static void WriteAscii(string text, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }

        output.Advance(text.Length);
    }

    /// <summary>The canonical text of a JSON number token: an integer token exactly, any other as ECMAScript writes the double it denotes.</summary>
    internal static string Number(string token)
    {
        if (token.AsSpan().IndexOfAny('.', 'e', 'E') < 0)
        {
            var negative = token.StartsWith('-');
            var digits = negative ? token[1..] : token;
            return digits == "0" ? "0" : token;
        }

        var value = double.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture);
        return double.IsFinite(value) ? EcmaScript(value) : token;
    }

    /// <summary>Number::toString of ECMAScript (ECMA-262 section 7.1.12.1), which RFC 8785 section 3.2.2.3 takes for every number.</summary>
    public static string EcmaScript(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new FormatException("NaN and the infinities have no JSON form.");
        }

        if (value == 0)
        {
            return "0";
        }

        if (value < 0)
        {
            return "-" + EcmaScript(-value);
        }

        // .NET writes the shortest digits that read back as the same double ("R" is that since .NET Core 3.0);
        // only their layout differs from ECMAScript's, so take the digits and the exponent and lay them out again.
        var (digits, exponent) = DigitsOf(value.ToString("R", CultureInfo.InvariantCulture));
        var k = digits.Length;
        var n = exponent;
        if (k <= n && n <= 21)
        {
            return digits + new string('0', n - k);
        }

        if (0 < n && n <= 21)
        {
            return digits[..n] + "." + digits[n..];
        }

        if (-6 < n && n <= 0)
        {
            return "0." + new string('0', -n) + digits;
        }

        var e = n - 1;
        var sign = e < 0 ? "-" : "+";
        var mantissa = k == 1 ? digits : digits[..1] + "." + digits[1..];
        return mantissa + "e" + sign + Math.Abs(e).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The significant digits s (no leading or trailing zeros) and n with value = 0.s × 10^n, from .NET's round-trip text.</summary>
    private static (string Digits, int N) DigitsOf(string text)
    {
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        var point = text.IndexOf('.', StringComparison.Ordinal);
        var integerDigits = point < 0 ? text.Length : point;
        var all = point < 0 ? text : text.Remove(point, 1);
        var leading = 0;
        while (leading < all.Length - 1 && all[leading] == '0')
        {
            leading++;
        }

        var significant = all[leading..].TrimEnd('0');
        // value = 0.all × 10^(integerDigits + exponent); dropping leading zeros moves the point left.
        return (significant, integerDigits + exponent - leading);
    }
}
