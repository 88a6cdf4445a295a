using System.Text.Json;
using Interop.Hub.Audit.Replay;

namespace Interop.UnitTests;

/// <summary>What an auditor reads as the difference between two states of a record.</summary>
public sealed class RecordDiffTests
{
    private static IReadOnlyList<FieldDifference> Diff(string before, string after)
    {
        using var old = JsonDocument.Parse(before);
        using var now = JsonDocument.Parse(after);
        return RecordDiff.Between(old.RootElement, now.RootElement);
    }

    [Fact]
    public void Removing_the_second_of_three_members_reads_as_one_member_removed_not_two_changed()
    {
        const string before = """{"Members":[{"Nik":"1","FullName":"A"},{"Nik":"2","FullName":"B"},{"Nik":"3","FullName":"C"}]}""";
        const string after = """{"Members":[{"Nik":"1","FullName":"A"},{"Nik":"3","FullName":"C"}]}""";

        var differences = Diff(before, after);

        Assert.Equal(["Members[Nik=2].FullName", "Members[Nik=2].Nik"], differences.Select(d => d.Path));
        Assert.All(differences, d => Assert.Equal(FieldChangeKind.Removed, d.Kind));
    }

    [Fact]
    public void A_changed_added_and_removed_field_are_told_apart_with_their_values()
    {
        var differences = Diff("""{"Address":"Jl. A","Status":"Active","Old":1}""", """{"Address":"Jl. B","Status":"Active","New":true}""");

        Assert.Equal(
            [new FieldDifference("Address", FieldChangeKind.Changed, "\"Jl. A\"", "\"Jl. B\""), new FieldDifference("New", FieldChangeKind.Added, null, "true"), new FieldDifference("Old", FieldChangeKind.Removed, "1", null)],
            differences);
    }

    [Fact]
    public void Lists_without_an_identifying_member_are_compared_by_position_and_equal_states_differ_in_nothing()
    {
        Assert.Equal(["Tags[1]"], Diff("""{"Tags":["a","b"]}""", """{"Tags":["a","c"]}""").Select(d => d.Path));
        Assert.Empty(Diff("""{"A":{"B":[1,{"C":null}]}}""", """{"A":{"B":[1,{"C":null}]}}"""));
    }
}
