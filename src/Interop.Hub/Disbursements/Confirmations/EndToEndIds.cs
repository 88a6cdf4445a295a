using System.Globalization;
using Interop.Hub.Disbursements.Entitlements;

namespace Interop.Hub.Disbursements.Confirmations;

/// <summary>
/// A line's end-to-end id: the one identifier that travels with the payment through every bank's
/// system and comes back in its confirmations. ISO 20022's Max35Text, from the characters every
/// bank system keeps (letters, digits, '-'): the round, the batch, the line number.
/// </summary>
internal static class EndToEndIds
{
    public const int MaxLength = 35;

    /// <summary>"PKH26S3-1A2B3C4D-0000000042": the round (programme, year, stage), the batch (its id's first 8 hex digits), the line.</summary>
    public static string For(ProgrammeStage round, Guid batchId, long lineNumber)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lineNumber);
        var id = string.Create(
            CultureInfo.InvariantCulture,
            $"{round.Programme.ToString().ToUpperInvariant()}{round.Year % 100:D2}S{round.Stage}-{batchId.ToString("N")[..8].ToUpperInvariant()}-{lineNumber:D10}");
        return id.Length <= MaxLength ? id : throw new ArgumentOutOfRangeException(nameof(lineNumber), "The id would exceed 35 characters.");
    }

    /// <summary>"PKH26S3-1A2B3C4D-": what every end-to-end id of the batch starts with.</summary>
    public static string PrefixOf(ProgrammeStage round, Guid batchId) => For(round, batchId, 1)[..^10];

    /// <summary>The batch part of an id shaped as the hub issues them ("PKH26S3-1A2B3C4D-" of "PKH26S3-1A2B3C4D-0000000042"), or null.</summary>
    public static string? BatchPrefixOf(string endToEndId) =>
        IsWellFormed(endToEndId) && endToEndId.Length > 11 && endToEndId[^11] == '-' && endToEndId[^10..].All(char.IsAsciiDigit) ? endToEndId[..^10] : null;

    /// <summary>Whether a text is an end-to-end id as the hub issues them (so that a bank's file is checked before any lookup).</summary>
    public static bool IsWellFormed(string value) =>
        value.Length is > 0 and <= MaxLength && value.All(character => char.IsAsciiLetterUpper(character) || char.IsAsciiDigit(character) || character == '-');
}
