using System.Text.Json;
using Interop.Transparency;

namespace Interop.UnitTests;

/// <summary>
/// The audit log's proof verification against every published transparency-dev/merkle vector
/// (TestData/transparency-dev-merkle): good proofs verify, and every tampered one (a flipped bit, a
/// root or size altered or swapped, garbage before or after, a truncated proof) is refused, exactly
/// as the vector says.
/// </summary>
public sealed class MerkleVectorTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "TestData", "transparency-dev-merkle");

    /// <summary>
    /// Where the log is deliberately stricter than the reference verifier, which accepts equal roots
    /// of equal sizes whatever they are: a "root" that is not a 32-byte SHA-256 hash (this vector's is
    /// the text "don't care 2") is no tree head, and is refused. Nothing the reference refuses is accepted.
    /// </summary>
    private static readonly HashSet<string> StricterHere = ["consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"];

    public static TheoryData<string> Inclusion() => Vectors("inclusion");

    public static TheoryData<string> Consistency() => Vectors("consistency");

    [Theory]
    [MemberData(nameof(Inclusion))]
    public void Each_published_inclusion_vector_gets_its_verdict(string vector)
    {
        var json = Read(vector);

        var verified = MerkleTree.VerifyInclusion(
            Number(json, "leafIdx"), Number(json, "treeSize"), Hash(json, "leafHash"), Hashes(json), Hash(json, "root"));

        Assert.Equal(!json.GetProperty("wantErr").GetBoolean(), verified);
    }

    [Theory]
    [MemberData(nameof(Consistency))]
    public void Each_published_consistency_vector_gets_its_verdict(string vector)
    {
        var json = Read(vector);

        var verified = MerkleTree.VerifyConsistency(
            Number(json, "size1"), Number(json, "size2"), Hash(json, "root1"), Hash(json, "root2"), Hashes(json));

        Assert.Equal(!json.GetProperty("wantErr").GetBoolean() && !StricterHere.Contains(vector), verified);
    }

    [Fact]
    public void The_vectors_are_all_there_good_and_tampered()
    {
        var all = Directory.EnumerateFiles(Root, "*.json", SearchOption.AllDirectories).Select(file => Read(Path.GetRelativePath(Root, file))).ToList();

        Assert.Equal(196, all.Count);
        Assert.Contains(all, json => !json.GetProperty("wantErr").GetBoolean());
        Assert.True(all.Count(json => json.GetProperty("wantErr").GetBoolean()) > 150);
    }

    private static TheoryData<string> Vectors(string kind)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, kind), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/'));
        }

        return data;
    }

    private static JsonElement Read(string vector) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, vector))).RootElement.Clone();

    /// <summary>A size or index as the vectors write it (unsigned 64-bit), in the bits a signed one reads them as.</summary>
    private static long Number(JsonElement json, string name) => unchecked((long)json.GetProperty(name).GetUInt64());

    private static byte[] Hash(JsonElement json, string name) =>
        json.GetProperty(name) is { ValueKind: JsonValueKind.String } value ? Convert.FromBase64String(value.GetString()!) : [];

    private static byte[][] Hashes(JsonElement json) =>
        json.GetProperty("proof") is { ValueKind: JsonValueKind.Array } proof ? [.. proof.EnumerateArray().Select(hash => Convert.FromBase64String(hash.GetString()!))] : [];
}
