using Interop.Hub.Audit.Log;

namespace Interop.UnitTests;

/// <summary>Whole-log walks are costly (two connections, every core): only so many at once, and a place given back twice frees one place only.</summary>
public sealed class LogWalkLimitTests
{
    [Fact]
    public void Only_so_many_walks_at_once_and_each_place_comes_back_once()
    {
        var places = Enumerable.Range(0, LogReads.MaxWalks).Select(_ => LogReads.TryStartWalk()).ToList();

        Assert.All(places, Assert.NotNull);
        Assert.Null(LogReads.TryStartWalk());

        places[0]!.Dispose();
        places[0]!.Dispose();
        using var again = LogReads.TryStartWalk();
        Assert.NotNull(again);
        Assert.Null(LogReads.TryStartWalk());

        foreach (var place in places.Skip(1))
        {
            place!.Dispose();
        }
    }
}
