using System.Text;
using Interop.Transparency;

namespace Interop.UnitTests;

/// <summary>The audit log's entry encoding: RFC 8785, checked against the RFC's own examples.</summary>
public sealed class CanonicalJsonTests
{
    private static string Canonical(string json) => Encoding.UTF8.GetString(CanonicalJson.Canonicalize(json));

    [Fact]
    public void The_example_of_RFC_8785_section_3_2_2_is_written_as_the_RFC_writes_it()
    {
        const string input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;

        Assert.Equal(
            """{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}""",
            Canonical(input));
    }

    [Fact]
    public void Members_are_sorted_by_their_UTF_16_code_units_as_in_RFC_8785_section_3_2_3()
    {
        const string input = """
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """;

        var keys = System.Text.Json.JsonDocument.Parse(CanonicalJson.Canonicalize(input)).RootElement.EnumerateObject().Select(member => member.Value.GetString()).ToList();

        Assert.Equal(
            ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign", "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh"],
            keys);
    }

    [Theory]
    // RFC 8785 appendix B: IEEE 754 doubles (as hex) and ECMAScript's text for each.
    [InlineData(0x0000000000000000UL, "0")]
    [InlineData(0x8000000000000000UL, "0")]
    [InlineData(0x0000000000000001UL, "5e-324")]
    [InlineData(0x8000000000000001UL, "-5e-324")]
    [InlineData(0x7fefffffffffffffUL, "1.7976931348623157e+308")]
    [InlineData(0xffefffffffffffffUL, "-1.7976931348623157e+308")]
    [InlineData(0x4340000000000000UL, "9007199254740992")]
    [InlineData(0xc340000000000000UL, "-9007199254740992")]
    [InlineData(0x4430000000000000UL, "295147905179352830000")]
    [InlineData(0x44b52d02c7e14af5UL, "9.999999999999997e+22")]
    [InlineData(0x44b52d02c7e14af6UL, "1e+23")]
    [InlineData(0x44b52d02c7e14af7UL, "1.0000000000000001e+23")]
    [InlineData(0x444b1ae4d6e2ef4eUL, "999999999999999700000")]
    [InlineData(0x444b1ae4d6e2ef4fUL, "999999999999999900000")]
    [InlineData(0x444b1ae4d6e2ef50UL, "1e+21")]
    [InlineData(0x3eb0c6f7a0b5ed8cUL, "9.999999999999997e-7")]
    [InlineData(0x3eb0c6f7a0b5ed8dUL, "0.000001")]
    [InlineData(0x41b3de4355555553UL, "333333333.3333332")]
    [InlineData(0x41b3de4355555554UL, "333333333.33333325")]
    [InlineData(0x41b3de4355555555UL, "333333333.3333333")]
    [InlineData(0x41b3de4355555556UL, "333333333.3333334")]
    [InlineData(0x41b3de4355555557UL, "333333333.33333343")]
    [InlineData(0xbecbf647612f3696UL, "-0.0000033333333333333333")]
    [InlineData(0x43143ff3c1cb0959UL, "1424953923781206.2")]
    public void Doubles_are_written_as_ECMAScript_writes_them(ulong bits, string expected) =>
        Assert.Equal(expected, CanonicalJson.EcmaScript(BitConverter.UInt64BitsToDouble(bits)));

    [Fact]
    public void Integers_keep_every_digit_even_beyond_two_to_the_53rd()
    {
        // RFC 8785 would write both as 9007199254740992: two amounts must never encode alike.
        Assert.Equal("[9007199254740993,9007199254740992,-12,0]", Canonical("[9007199254740993, 9007199254740992, -12, -0]"));
    }

    /// <summary>
    /// Anything PostgreSQL's jsonb can hold has an encoding, so a row edited to hold it is found as
    /// changed rather than stopping the log: a number beyond a double keeps its text (jsonb writes it
    /// in one plain decimal form), and nesting far deeper than any event's is read.
    /// </summary>
    [Fact]
    public void Numbers_beyond_a_double_and_deep_nesting_still_have_an_encoding()
    {
        var huge = new string('9', 400) + ".5";
        Assert.Equal($"[{huge},1e+300]", Canonical($"[{huge}, 1e300]"));
        Assert.Equal("[1e400]", Canonical("[1e400]"));

        var deep = new string('[', 900) + new string(']', 900);
        Assert.Equal(deep, Canonical(deep));
    }

    /// <summary>Names are sorted and compared as the text they stand for, however escaped; a name needing escapes is written escaped as RFC 8785 says.</summary>
    [Fact]
    public void Escaped_names_sort_as_what_they_say_and_are_written_canonically()
    {
        Assert.Equal("""{"a\"b":1,"ab":2,"b":3}""", Canonical("""{"\u0062": 3, "a\u0062": 2, "a\"b": 1}"""));
        Assert.Throws<FormatException>(() => CanonicalJson.Canonicalize("""{"ab": 1, "a\u0062": 2}"""));
        Assert.Equal("""{"x":"tab\there","y":"\u0001"}""", Canonical("""{"y": "\u0001", "x": "tab\u0009here"}"""));
    }

    [Fact]
    public void A_lone_surrogate_in_the_text_itself_is_refused_not_replaced() =>
        Assert.Throws<FormatException>(() => CanonicalJson.Canonicalize("[\"a\ud800b\"]"));

    [Fact]
    public void Bytes_that_are_not_UTF_8_are_refused()
    {
        byte[] invalid = [(byte)'[', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)']'];

        Assert.Throws<FormatException>(() => CanonicalJson.Canonicalize(invalid));
    }

    [Fact]
    public void Whitespace_and_member_order_do_not_change_the_bytes()
    {
        Assert.Equal(
            CanonicalJson.Canonicalize("""{"b": [1, {"y": 2, "x": "é"}], "a": null}"""),
            CanonicalJson.Canonicalize("""{ "a":null,"b":[ 1,{"x":"\u00e9","y":2} ] }"""));
    }

    [Theory]
    [InlineData("""{"a": 1, "a": 2}""")]
    [InlineData("""{"a": "\ud800"}""")]
    [InlineData("""{"a": 1""")]
    [InlineData("""{"a": 1} trailing""")]
    public void Text_without_a_canonical_form_is_refused(string input) =>
        Assert.Throws<FormatException>(() => CanonicalJson.Canonicalize(input));

    /// <summary>
    /// The leaf hash written straight from the thread's buffer (what a verification walk computes for
    /// every leaf) is the hash of the canonical bytes, for objects nested in objects and arrays, names
    /// that sort differently in UTF-8 and UTF-16, and one large entry between small ones (the buffer
    /// kept between calls); and text with no canonical form is refused the same way.
    /// </summary>
    [Fact]
    public void The_leaf_hash_of_an_entry_is_the_hash_of_its_canonical_bytes()
    {
        string[] entries =
        [
            """{"z": {"y": [{"b": 1, "a": {"d": null, "c": [true, {"f": 2, "e": 3}]}}], "x": "\u00e9"}, "\ufb33": 1, "\ud83d\ude00": 2, "a": []}""",
            "{\"big\": \"" + new string('x', 300_000) + "\", \"a\": {\"c\": 1, \"b\": 2}}",
            """{"source": "event", "seq": 7, "data": {"Members": [{"Nik": "3273010101900001", "FullName": "Siti"}], "Actor": {"PartnerId": "p", "Kind": "Steward"}}}""",
            "[]",
        ];
        var hash = new byte[MerkleTree.HashSize];
        foreach (var entry in entries.Concat(entries))
        {
            var utf8 = System.Text.Encoding.UTF8.GetBytes(entry);

            CanonicalJson.LeafHash(utf8, hash);

            Assert.Equal(MerkleTree.LeafHash(CanonicalJson.Canonicalize(utf8)), hash);
        }

        foreach (var refused in new[] { """{"a": 1, "a": 2}""", """{"a": "\ud800"}""", """{"a": 1""", """{"a": 1} trailing""" })
        {
            Assert.Throws<FormatException>(() => CanonicalJson.LeafHash(System.Text.Encoding.UTF8.GetBytes(refused), hash));

            // The thread's buffer is whole again after a refusal: the next entry's bytes are exactly these.
            const string Nested = """{"z": {"y": [{"b": 1, "a": {"d": null}}]}, "a": []}""";
            Assert.Equal("""{"a":[],"z":{"y":[{"a":{"d":null},"b":1}]}}""", System.Text.Encoding.UTF8.GetString(CanonicalJson.Canonicalize(System.Text.Encoding.UTF8.GetBytes(Nested))));
            CanonicalJson.LeafHash(System.Text.Encoding.UTF8.GetBytes(Nested), hash);
            Assert.Equal(MerkleTree.LeafHash("""{"a":[],"z":{"y":[{"a":{"d":null},"b":1}]}}"""u8), hash);
        }
    }

    /// <summary>An object of many members (past the small-object sort) is put in order like a small one; one of 100,000 members (a quadratic sort would take hours) is done.</summary>
    [Fact]
    public void An_object_of_many_members_is_sorted_like_a_small_one()
    {
        var names = Enumerable.Range(0, 40).Select(i => $"m{i:D2}").ToList();
        var shuffled = names.OrderBy(name => name.GetHashCode(StringComparison.Ordinal) ^ 0x5bd1e995).ToList();
        var input = "{" + string.Join(", ", shuffled.Select(name => $"\"{name}\": 1")) + ", \"\u00e9\": 2, \"\ufb33\": 3, \"\ud83d\ude00\": 4}";
        var expected = "{" + string.Join(",", names.Select(name => $"\"{name}\":1")) + ",\"\u00e9\":2,\"\ud83d\ude00\":4,\"\ufb33\":3}";

        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(CanonicalJson.Canonicalize(input)));

        var wide = "{" + string.Join(", ", Enumerable.Range(0, 100_000).Select(i => $"\"k{100_000 - i}\": {i}")) + "}";
        var canonical = CanonicalJson.Canonicalize(wide);
        Assert.StartsWith("{\"k1\":99999,\"k10\":99990,", System.Text.Encoding.UTF8.GetString(canonical), StringComparison.Ordinal);
    }
}
