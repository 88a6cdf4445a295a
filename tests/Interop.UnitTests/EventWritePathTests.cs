using System.Text.RegularExpressions;

namespace Interop.UnitTests;

/// <summary>
/// Every event the hub appends goes through <c>Storage/StreamWrites</c>, which opens the session's
/// transaction first: Marten draws the events' global sequence numbers in a query of its own, and
/// outside a transaction that query commits alone, leaving a drawn number no open transaction holds;
/// the audit log could then settle past it and never log the event (docs/audit.md, "When a row becomes a
/// leaf"). A new call site that appends through Marten directly fails here.
/// </summary>
public sealed partial class EventWritePathTests
{
    [Fact]
    public void Events_are_appended_only_through_stream_writes()
    {
        var source = Path.Combine(RepositoryRoot(), "src");
        var files = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(files, file => file.EndsWith(Path.Combine("Storage", "StreamWrites.cs"), StringComparison.Ordinal));

        // Whole files, so that a call split over lines is seen too.
        var direct = files
            .Where(file => !file.EndsWith(Path.Combine("Storage", "StreamWrites.cs"), StringComparison.Ordinal))
            .SelectMany(file => DirectAppend().Matches(File.ReadAllText(file)).Select(match => $"{Path.GetRelativePath(source, file)}: {match.Value}"))
            .ToList();

        Assert.Empty(direct);
    }

    [Theory]
    [InlineData("session.Events.StartStream<Household>(id, events);")]
    [InlineData("session.Events.Append(id, 3, events);")]
    [InlineData("operations.Events.AppendOptimistic(id, events);")]
    [InlineData("session.Events.AppendExclusive(id);")]
    [InlineData("session.Events\n    .FetchForWriting<Household>(id)")]
    [InlineData("await session.Events.WriteToAggregate<Household>(id, stream => { });")]
    [InlineData("var events = session.Events;")]
    public void The_rule_sees_each_way_marten_appends(string line) => Assert.Matches(DirectAppend(), line);

    /// <summary>Marten's ways to write events (or to get a stream to write to), and the event store taken aside under another name.</summary>
    [GeneratedRegex(@"\.Events\s*\.\s*(StartStream|Append\w*|FetchForWriting|FetchManyForWriting|WriteToAggregate|WriteExclusivelyToAggregate)\s*[<(]|=\s*\w+\.Events\s*;")]
    private static partial Regex DirectAppend();

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Interop.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Interop.sln not found above the test binaries.");
    }
}
