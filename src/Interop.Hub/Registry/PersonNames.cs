using System.Text;
using F23.StringSimilarity;

namespace Interop.Hub.Registry;

/// <summary>
/// Compares Indonesian personal names as officials write them: case, spacing and punctuation do
/// not count (any run of them separates words) ("Siti  Rahmawati", "SITI RAHMAWATI."); spelling variants
/// ("Rahmawati", "Rachmawati") score high on Jaro-Winkler similarity but are not equal.
/// </summary>
internal static class PersonNames
{
    private static readonly JaroWinkler Similarity = new();

    public static string Normalize(string name)
    {
        var text = new StringBuilder(name.Length);
        // Compatibility composition first: an accent typed as a separate mark, or a full-width letter, is the letter it shows.
        foreach (var c in FreeText.Clean(name).Normalize(NormalizationForm.FormKC))
        {
            if (char.IsLetterOrDigit(c))
            {
                text.Append(char.ToUpperInvariant(c));
            }
            else if (text.Length > 0 && text[^1] != ' ')
            {
                text.Append(' ');
            }
        }

        return text.ToString().TrimEnd();
    }

    public static bool Same(string left, string right) => Normalize(left) == Normalize(right);

    /// <summary>Jaro-Winkler similarity of the normalised names, from 0 (nothing alike) to 1 (the same).</summary>
    public static double Score(string left, string right) => Similarity.Similarity(Normalize(left), Normalize(right));
}
