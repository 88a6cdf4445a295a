using Interop.Hub.Registry;

namespace Interop.UnitTests;

/// <summary>Free text is text a person can read, the same on every screen, stored in NFC.</summary>
public sealed class FreeTextTests
{
    [Theory]
    [InlineData("Siti Rahmawati")]
    [InlineData("Jl. Gegerkalong Hilir No. 12 RT 02/RW 07")]
    [InlineData("Nurhayati N\u00E9n\u00E9")]
    [InlineData("Ne\u0301ne\u0301")]
    [InlineData("\u0639\u0628\u062F \u0627\u0644\u0644\u0647")]
    [InlineData("Ketut Sri\u00A0Wahyuni")]
    [InlineData("BA-2026/11/0017 (berita acara)")]
    public void Readable_text_in_any_script_passes(string text) => Assert.Null(FreeText.Problem(text, 100));

    [Theory]
    [InlineData("Siti\0Rahmawati", "control")]
    [InlineData("Siti\tRahmawati", "control")]
    [InlineData("Siti \u202ERahmawati", "formatting")]
    [InlineData("Siti \u2066Rahmawati\u2069", "formatting")]
    [InlineData("Siti\u200BRahmawati", "formatting")]
    [InlineData("Siti\u200ERahmawati", "formatting")]
    [InlineData("\uFEFFSiti", "formatting")]
    [InlineData("Siti \U000E0041", "formatting")]
    [InlineData("Siti\u2029Rahmawati", "one line")]
    [InlineData("Siti \uE000", "assigned")]
    [InlineData("Siti \uFFFD", "UTF-8")]
    [InlineData("\u3164", "draw nothing")]
    [InlineData("Siti \u2800", "draw nothing")]
    [InlineData("\u0301\u0301", "visible character")]
    [InlineData("\u00A0\u2003", "visible character")]
    public void Text_that_hides_reorders_or_means_nothing_is_refused_without_quoting_it(string text, string because)
    {
        var problem = FreeText.Problem(text, 100);

        Assert.NotNull(problem);
        Assert.Contains(because, problem, StringComparison.Ordinal);
        Assert.DoesNotContain("Siti", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unpaired_surrogate_is_refused()
    {
        // Built here, not in InlineData: the test runner's serialisation replaces a lone surrogate with U+FFFD.
        var text = "Siti " + (char)0xD800;

        Assert.Contains("unpaired surrogate", FreeText.Problem(text, 100), StringComparison.Ordinal);
        Assert.Equal(text, FreeText.Clean(text));
    }

    [Fact]
    public void Text_over_its_limit_is_refused_by_its_length()
    {
        Assert.Equal("must be at most 5 characters", FreeText.Problem("Rahmawati", 5));
    }

    [Fact]
    public void Stored_text_is_trimmed_and_composed_so_the_same_name_typed_two_ways_is_equal()
    {
        Assert.Equal("Nurhayati N\u00E9n\u00E9", FreeText.Clean("  Nurhayati Ne\u0301ne\u0301 "));
        Assert.Equal(FreeText.Clean("Ne\u0301ne\u0301"), FreeText.Clean("N\u00E9n\u00E9"));
    }

    [Fact]
    public void Names_typed_with_separate_accents_or_full_width_letters_compare_as_the_same_name()
    {
        Assert.True(PersonNames.Same("Nurhayati Ne\u0301ne\u0301", "NURHAYATI N\u00C9N\u00C9"));
        Assert.True(PersonNames.Same("\uFF33\uFF49\uFF54\uFF49 Rahmawati", "Siti Rahmawati"));
    }
}
