using System.Collections.Frozen;

namespace Interop.Hub.Grpc.Mapping;

/// <summary>
/// The one way enums cross the wire, both ways and in every contract version: a value maps to its
/// namesake (proto's C# names drop the enum's prefix, so <c>RELATIONSHIP_CHILD_IN_LAW</c> is
/// <c>ChildInLaw</c>, the register's own name), and a value without one to the target's zero value
/// (<c>UNSPECIFIED</c>). <c>WireEnumTests</c> holds every pair of enums to it, value by value.
/// </summary>
/// <example><c>WireEnum&lt;V1.Sex&gt;.From(member.Sex)</c></example>
internal static class WireEnum<TTo>
    where TTo : struct, Enum
{
    public static TTo From<TFrom>(TFrom value)
        where TFrom : struct, Enum =>
        Namesakes<TFrom, TTo>.Table.TryGetValue(value, out var mapped) ? mapped : default;

    /// <summary>The namesake, or null when the value has none (UNSPECIFIED, or a number this side does not know).</summary>
    public static TTo? FromDefined<TFrom>(TFrom value)
        where TFrom : struct, Enum =>
        Namesakes<TFrom, TTo>.Table.TryGetValue(value, out var mapped) ? mapped : null;
}

/// <summary>Built once per pair of enums, so that mapping a value costs one lookup.</summary>
file static class Namesakes<TFrom, TTo>
    where TFrom : struct, Enum
    where TTo : struct, Enum
{
    public static readonly FrozenDictionary<TFrom, TTo> Table = Enum.GetValues<TFrom>()
        .Where(value => Enum.IsDefined(typeof(TTo), value.ToString()))
        .ToFrozenDictionary(value => value, value => Enum.Parse<TTo>(value.ToString()));
}
