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
    private static readonly JsonReaderOptions Strict = new() { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 1_000 };

    /// <summary>The canonical bytes of the JSON text given; throws <see cref="FormatException"/> for text that is not JSON or has no canonical form.</summary>
    public static byte[] Canonicalize(ReadOnlySpan<byte> utf8Json) => Encode(utf8Json, leafPrefix: false).ToArray();

    /// <inheritdoc cref="Canonicalize(ReadOnlySpan{byte})"/>
    public static byte[] Canonicalize(string json)
    {
        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(json);
        }
        catch (EncoderFallbackException error)
        {
            throw new FormatException("The text holds a lone surrogate; it has no canonical form.", error);
        }

        return Canonicalize(utf8);
    }

    /// <summary>
    /// The RFC 9162 leaf hash (SHA-256 of 0x00 and the canonical bytes) of the JSON text given, written
    /// to <paramref name="hash"/>: what <c>MerkleTree.LeafHash(Canonicalize(json))</c> gives, without
    /// the copies (the canonical bytes are written after the prefix in a buffer the thread keeps).
    /// Throws <see cref="FormatException"/> like <see cref="Canonicalize(ReadOnlySpan{byte})"/>.
    /// </summary>
    public static void LeafHash(ReadOnlySpan<byte> utf8Json, Span<byte> hash) =>
        System.Security.Cryptography.SHA256.HashData(Encode(utf8Json, leafPrefix: true), hash);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Writes the canonical bytes of <paramref name="utf8Json"/> to <paramref name="output"/>. Read
    /// token by token into one growing buffer (no document is built): a string or name without
    /// escapes is copied as it is (its canonical form), and an object's members, written in the order
    /// read, are put in order in place.
    /// </summary>
    public static void Canonicalize(ReadOnlySpan<byte> utf8Json, IBufferWriter<byte> output) => output.Write(Encode(utf8Json, leafPrefix: false));

    /// <summary>The canonical bytes (after a 0x00 when <paramref name="leafPrefix"/>), in the thread's buffer: valid until the thread's next call.</summary>
    private static ReadOnlySpan<byte> Encode(ReadOnlySpan<byte> utf8Json, bool leafPrefix)
    {
        var work = Work.OfThread(utf8Json.Length + 16);
        if (leafPrefix)
        {
            work.Output.Write(0);
        }

        var reader = new Utf8JsonReader(utf8Json, Strict);
        try
        {
            if (!reader.Read())
            {
                throw new FormatException("Not JSON: no value.");
            }

            WriteValue(ref reader, work.Output);
            if (reader.Read())
            {
                throw new FormatException("Not JSON: more than one value.");
            }
        }
        catch (JsonException error)
        {
            throw new FormatException($"Not JSON: {error.Message}", error);
        }

        return work.Output.Written;
    }

    private static void WriteValue(ref Utf8JsonReader reader, Output output)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                WriteObject(ref reader, output);
                break;
            case JsonTokenType.StartArray:
                output.Write((byte)'[');
                var first = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!first)
                    {
                        output.Write((byte)',');
                    }

                    first = false;
                    WriteValue(ref reader, output);
                }

                output.Write((byte)']');
                break;
            case JsonTokenType.String:
                WriteStringToken(ref reader, output);
                break;
            case JsonTokenType.Number:
                WriteNumber(reader.ValueSpan, output);
                break;
            case JsonTokenType.True:
                output.Write("true"u8);
                break;
            case JsonTokenType.False:
                output.Write("false"u8);
                break;
            case JsonTokenType.Null:
                output.Write("null"u8);
                break;
            default:
                throw new FormatException($"Unexpected JSON token {reader.TokenType}.");
        }
    }

    private static void WriteObject(ref Utf8JsonReader reader, Output output)
    {
        // Each member as read: its name unescaped (to sort by), then its canonical "name":value. The
        // members of every open object share one list: an object's own run starts where it began, and
        // a nested object's run is gone again before its parent's next member is added.
        var members = output.Members;
        var first = members.Count;
        var mark = output.Length;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var nameStart = output.Length;
            WriteName(ref reader, output);
            var nameLength = output.Length - nameStart;
            var start = output.Length;
            WriteString(output.Slice(nameStart, nameLength), output);
            output.Write((byte)':');
            reader.Read();
            WriteValue(ref reader, output);
            members.Add(new Member(nameStart - mark, nameLength, start - mark, output.Length - start, output.Slice(nameStart, nameLength).IndexOfAnyInRange((byte)0xEE, (byte)0xFF) >= 0));
        }

        var region = output.Length - mark;
        var aside = output.Aside(region);
        output.Slice(mark, region).CopyTo(aside);
        output.Truncate(mark);
        var run = members.Run(first);
        SortByName(run, aside);
        output.Write((byte)'{');
        for (var i = 0; i < run.Length; i++)
        {
            if (i > 0)
            {
                if (aside.AsSpan(run[i - 1].NameStart, run[i - 1].NameLength).SequenceEqual(aside.AsSpan(run[i].NameStart, run[i].NameLength)))
                {
                    throw new FormatException("An object names the same member twice; it has no canonical form.");
                }

                output.Write((byte)',');
            }

            output.Write(aside.AsSpan(run[i].Start, run[i].Length));
        }

        output.Write((byte)'}');
        members.Truncate(first);
    }

    /// <summary>
    /// Puts an object's members in order without allocating: an insertion sort for the handful of
    /// members objects have, an introsort (n log n) past that, so an object of many members (from a
    /// hostile package or a row edited behind the hub's back) costs no more than sorting them.
    /// </summary>
    private static void SortByName(Span<Member> run, byte[] aside)
    {
        var byName = new ByName(aside);
        if (run.Length > 16)
        {
            run.Sort(byName);
            return;
        }

        for (var i = 1; i < run.Length; i++)
        {
            var member = run[i];
            var j = i - 1;
            while (j >= 0 && byName.Compare(run[j], member) > 0)
            {
                run[j + 1] = run[j];
                j--;
            }

            run[j + 1] = member;
        }
    }

    /// <summary>Members by name, as RFC 8785 orders them (by UTF-16 only when a name needs it).</summary>
    private readonly struct ByName(byte[] aside) : IComparer<Member>
    {
        public int Compare(Member a, Member b) => a.Wide || b.Wide
            ? CompareNames(aside.AsSpan(a.NameStart, a.NameLength), aside.AsSpan(b.NameStart, b.NameLength))
            : aside.AsSpan(a.NameStart, a.NameLength).SequenceCompareTo(aside.AsSpan(b.NameStart, b.NameLength));
    }

    /// <summary>A member written in the buffer set aside: where its name (unescaped) and its canonical "name":value are, and whether the name holds a character that UTF-8 and UTF-16 order differently (<see cref="CompareNames"/>).</summary>
    private readonly record struct Member(int NameStart, int NameLength, int Start, int Length, bool Wide);

    /// <summary>
    /// RFC 8785 section 3.2.3 sorts by UTF-16 code units. UTF-8 bytes sort as code points, which is the
    /// same order unless one name holds a character from U+E000 up or beyond U+FFFF (lead bytes from
    /// 0xEE): only then are the names compared as UTF-16.
    /// </summary>
    private static int CompareNames(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        a.IndexOfAnyInRange((byte)0xEE, (byte)0xFF) < 0 && b.IndexOfAnyInRange((byte)0xEE, (byte)0xFF) < 0
            ? a.SequenceCompareTo(b)
            : string.CompareOrdinal(Encoding.UTF8.GetString(a), Encoding.UTF8.GetString(b));

    /// <summary>A member's name, unescaped, as UTF-8.</summary>
    private static void WriteName(ref Utf8JsonReader reader, Output output)
    {
        if (!reader.ValueIsEscaped)
        {
            output.Write(Valid(reader.ValueSpan));
            return;
        }

        string name;
        try
        {
            name = reader.GetString()!;
        }
        catch (InvalidOperationException error)
        {
            throw new FormatException("A member name holds a lone surrogate; it has no canonical form.", error);
        }

        output.Write(Encoding.UTF8.GetBytes(RefuseLoneSurrogates(name)));
    }

    /// <summary>A string value in its canonical form: without escapes, its bytes as they are; otherwise unescaped and escaped again as RFC 8785 says.</summary>
    private static void WriteStringToken(ref Utf8JsonReader reader, Output output)
    {
        if (!reader.ValueIsEscaped)
        {
            output.Write((byte)'"');
            output.Write(Valid(reader.ValueSpan));
            output.Write((byte)'"');
            return;
        }

        string value;
        try
        {
            value = reader.GetString()!;
        }
        catch (InvalidOperationException error)
        {
            throw new FormatException("A string holds a lone surrogate; it has no canonical form.", error);
        }

        WriteString(value, output);
    }

    /// <summary>Unescaped UTF-8 written as a canonical string: the quote, the backslash and the controls escaped.</summary>
    private static void WriteString(ReadOnlySpan<byte> utf8, Output output)
    {
        if (utf8.IndexOfAny((byte)'"', (byte)'\\') < 0 && utf8.IndexOfAnyInRange((byte)0, (byte)0x1F) < 0)
        {
            output.Write((byte)'"');
            output.Write(utf8);
            output.Write((byte)'"');
            return;
        }

        WriteString(Encoding.UTF8.GetString(utf8), output);
    }

    private static ReadOnlySpan<byte> Valid(ReadOnlySpan<byte> utf8) =>
        System.Text.Unicode.Utf8.IsValid(utf8) ? utf8 : throw new FormatException("A string is not valid UTF-8.");

    private static string RefuseLoneSurrogates(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                throw new FormatException("A member name holds a lone surrogate; it has no canonical form.");
            }
        }

        return value;
    }

    private static void WriteNumber(ReadOnlySpan<byte> token, Output output)
    {
        if (token.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0)
        {
            // An integer keeps its digits; minus zero is zero.
            output.Write(token.SequenceEqual("-0"u8) ? "0"u8 : token);
            return;
        }

        output.Write(Encoding.ASCII.GetBytes(Number(Encoding.ASCII.GetString(token))));
    }

    /// <summary>The buffers one thread encodes with, kept between calls (an entry is encoded for every leaf of a walk).</summary>
    private sealed class Work
    {
        [ThreadStatic]
        private static Work? ofThread;

        public Output Output { get; } = new(4_096);

        public static Work OfThread(int capacity)
        {
            var work = ofThread ??= new Work();
            work.Output.Reset(capacity);
            return work;
        }
    }

    /// <summary>The members of the objects open, one run per object, in one array that grows.</summary>
    private sealed class MemberList
    {
        private Member[] items = new Member[64];

        public int Count { get; private set; }

        public void Add(Member member)
        {
            if (Count == items.Length)
            {
                Array.Resize(ref items, items.Length * 2);
            }

            items[Count++] = member;
        }

        public Span<Member> Run(int first) => items.AsSpan(first, Count - first);

        public void Truncate(int count) => Count = count;
    }

    /// <summary>The bytes written so far, in one array that grows; cheaper per write than a buffer writer behind an interface.</summary>
    private sealed class Output(int capacity)
    {
        private byte[] buffer = new byte[Math.Max(capacity, 64)];
        private byte[] aside = new byte[Math.Max(capacity, 64)];

        public int Length { get; private set; }

        public MemberList Members { get; } = new();

        public ReadOnlySpan<byte> Written => buffer.AsSpan(0, Length);

        /// <summary>Empties the buffer (and the member list), keeping at least <paramref name="capacity"/> bytes; a buffer grown far beyond it for one large entry is let go.</summary>
        public void Reset(int capacity)
        {
            Length = 0;
            Members.Truncate(0);
            if (buffer.Length < capacity || buffer.Length > Math.Max(capacity, 1 << 20))
            {
                buffer = new byte[Math.Max(capacity, 64)];
                aside = new byte[Math.Max(capacity, 64)];
            }
        }

        /// <summary>A buffer to set an object's members aside in while they are put in order (one object's at a time: a nested object is done before its parent's turn).</summary>
        public byte[] Aside(int length)
        {
            if (aside.Length < length)
            {
                aside = new byte[Math.Max(length, aside.Length * 2)];
            }

            return aside;
        }

        public ReadOnlySpan<byte> Slice(int start, int length) => buffer.AsSpan(start, length);

        public void Truncate(int length) => Length = length;

        public void Write(byte value)
        {
            if (Length == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            buffer[Length++] = value;
        }

        /// <summary>Safe for a span of this very buffer: a grown buffer is a copy, and the old one stays whole.</summary>
        public void Write(ReadOnlySpan<byte> bytes)
        {
            if (Length + bytes.Length > buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, Length + bytes.Length));
            }

            bytes.CopyTo(buffer.AsSpan(Length));
            Length += bytes.Length;
        }
    }

    private static void WriteString(string value, Output output)
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
