namespace Interop.Hub.Partners;

/// <summary>
/// Where a partner may act and see households: everywhere (the national partners), or within the
/// region codes of its area (a local government: its province <c>32</c> or regency <c>32.73</c>).
/// A household is within reach while its village lies in the area; one that moves out leaves it
/// from that moment. The directory holds each partner's areas (none: the whole register).
/// </summary>
internal sealed record Jurisdiction
{
    private Jurisdiction(IReadOnlyList<string>? areas) => Areas = areas;

    public static Jurisdiction Everywhere { get; } = new((IReadOnlyList<string>?)null);

    /// <summary>The region codes of the area, or null for everywhere.</summary>
    public IReadOnlyList<string>? Areas { get; }

    public bool IsEverywhere => Areas is null;

    public static Jurisdiction Within(params IReadOnlyList<string> areas) => new(areas);

    /// <summary>The village (or any region code) lies within reach.</summary>
    public bool Covers(string regionCode) =>
        Areas is null || Areas.Any(area => regionCode == area || regionCode.StartsWith(area + ".", StringComparison.Ordinal));

    /// <summary>The part of a region (a search's or feed's prefix, empty for everywhere) within reach: the narrower codes, or none when they do not meet.</summary>
    public IReadOnlyList<string>? Narrow(string regionPrefix) =>
        Areas is null ? (regionPrefix.Length == 0 ? null : [regionPrefix])
        : regionPrefix.Length == 0 ? Areas
        : Covers(regionPrefix) ? [regionPrefix]
        : Areas.Where(area => area.StartsWith(regionPrefix + ".", StringComparison.Ordinal)).ToList();

    /// <summary>How a refusal names the area, never a person.</summary>
    public string Describe() => Areas switch
    {
        null => "the whole register",
        [] => "no area",
        _ => "area " + string.Join(", ", Areas),
    };
}
