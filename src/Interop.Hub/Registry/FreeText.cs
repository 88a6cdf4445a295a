using System.Globalization;
using System.Text;

namespace Interop.Hub.Registry;

/// <summary>
/// What every free-text field (names, addresses, reasons, evidence references, partner references,
/// idempotency keys) must be before anything is stored: text a person can read, the same on every
/// screen. Refused: control characters; format characters (zero-width spaces and joiners, the
/// directional marks, embeddings, overrides and isolates that reorder how text is displayed, the
/// byte-order mark, invisible tags); line and paragraph separators; unpaired surrogates, private-use
/// and unassigned code points; the replacement character U+FFFD (what undecodable bytes became);
/// letters and symbols that draw nothing (the Hangul fillers, the Braille blank); and text with no
/// visible character at all. Stored text is trimmed and in Unicode NFC, so that the same name typed
/// on two systems compares equal. The rules are documented in docs/contracts.md. Pure.
/// </summary>
internal static class FreeText
{
    /// <summary>Letters and symbols that render as blank space although Unicode does not class them as space.</summary>
    private static readonly HashSet<int> DrawsNothing = [0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800];

    /// <summary>Why the text cannot be stored, or null when it can. Never quotes the text.</summary>
    public static string? Problem(string value, int maxLength)
    {
        if (value.Length > maxLength)
        {
            return $"must be at most {maxLength} characters";
        }

        var visible = false;
        for (var index = 0; index < value.Length; index++)
        {
            int codePoint;
            if (char.IsHighSurrogate(value[index]) && index + 1 < value.Length && char.IsLowSurrogate(value[index + 1]))
            {
                codePoint = char.ConvertToUtf32(value[index], value[index + 1]);
                index++;
            }
            else
            {
                codePoint = value[index];
            }

            switch (CharUnicodeInfo.GetUnicodeCategory(codePoint))
            {
                case UnicodeCategory.Control:
                    return "must not contain control characters";
                case UnicodeCategory.Format:
                    return "must not contain invisible formatting characters (zero-width or directional marks, embeddings, overrides, isolates)";
                case UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator:
                    return "must be one line";
                case UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned:
                    return "must contain assigned Unicode characters only (it holds an unpaired surrogate, a private-use or an unassigned code point)";
                case UnicodeCategory.SpaceSeparator or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.SpacingCombiningMark:
                    break;
                default:
                    if (codePoint == 0xFFFD)
                    {
                        return "must be valid UTF-8 text (it holds U+FFFD, which undecodable bytes become)";
                    }

                    if (DrawsNothing.Contains(codePoint))
                    {
                        return "must not contain characters that draw nothing (Hangul fillers, the Braille blank)";
                    }

                    visible = true;
                    break;
            }
        }

        return visible || value.Length == 0 ? null : "must contain a visible character";
    }

    /// <summary>The text as stored: trimmed and in Unicode NFC.</summary>
    public static string Clean(string value)
    {
        var trimmed = value.Trim();
        try
        {
            return trimmed.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            // Not normalisable (an unpaired surrogate): Problem refuses such text before it is stored.
            return trimmed;
        }
    }

    /// <summary>A partner's own key as echoed back: cut to its limit, so that an oversized one is never held or sent back whole.</summary>
    public static string Echo(string value, int maxLength) => value.Length <= maxLength ? value : value[..maxLength];
}
