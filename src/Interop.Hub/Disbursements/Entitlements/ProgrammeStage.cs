using Interop.Hub.Registry;

namespace Interop.Hub.Disbursements.Entitlements;

/// <summary>
/// One payment round of a programme: PKH pays in four quarterly stages (tahap) a year, BPNT every two
/// months, so six a year. A disbursement batch is issued for exactly one.
/// </summary>
internal sealed record ProgrammeStage(SocialProgram Programme, int Year, int Stage)
{
    public const int FirstYear = 2000;
    public const int LastYear = 2099;

    /// <summary>How many stages the programme pays in a year; 0 for a programme that pays none.</summary>
    public static int StagesPerYear(SocialProgram programme) => programme switch
    {
        SocialProgram.Pkh => 4,
        SocialProgram.Bpnt => 6,
        _ => 0,
    };

    /// <summary>Why these do not name a payment round, or null when they do.</summary>
    public static string? Problem(SocialProgram programme, int year, int stage) =>
        StagesPerYear(programme) is var stages && stages == 0 ? "names no programme that pays (PKH or BPNT)"
        : year is < FirstYear or > LastYear ? $"year must be between {FirstYear} and {LastYear}"
        : stage < 1 || stage > stages ? $"{programme.ToString().ToUpperInvariant()} pays in stages 1 to {stages} a year"
        : null;

    /// <summary>"PKH 2026 stage 3".</summary>
    public override string ToString() => $"{Programme.ToString().ToUpperInvariant()} {Year} stage {Stage}";
}
