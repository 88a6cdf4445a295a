using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interop.Transparency;

/// <summary>One leaf of an evidence package: where it is, which row it is, the row's canonical entry, and its tlog-proof text.</summary>
public sealed record EvidenceEntry(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("entry")] string Entry,
    [property: JsonPropertyName("proof")] string Proof);

/// <summary>
/// An evidence package (docs/audit.md): a JSON file naming its subject (a household) and holding
/// each of the subject's events as the log encodes it, with a C2SP tlog-proof (the inclusion proof
/// and the signed, cosigned checkpoint) for each. Verified offline with public keys only.
/// </summary>
public sealed record EvidencePackage(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("subject_id")] string SubjectId,
    [property: JsonPropertyName("leaves")] IReadOnlyList<EvidenceEntry> Leaves)
{
    public const string CurrentFormat = "interop-hub/evidence/v1";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Reads a package; throws <see cref="FormatException"/> when the file is not one.</summary>
    public static EvidencePackage Parse(string json)
    {
        try
        {
            var package = JsonSerializer.Deserialize<EvidencePackage>(json, Options);
            return package is { Format: CurrentFormat, Subject: not null, SubjectId: not null, Leaves: not null } && package.Leaves.All(leaf => leaf is { Entry: not null, Proof: not null, Source: not null })
                ? package
                : throw new FormatException($"Not an evidence package of format {CurrentFormat}.");
        }
        catch (JsonException error)
        {
            throw new FormatException($"Not an evidence package: {error.Message}", error);
        }
    }
}

/// <summary>
/// Offline verification of an evidence package, with the hub's (and the witnesses') public keys
/// only: every entry is canonical and belongs to the subject, every proof's checkpoint is signed by
/// a trusted key of the log's origin (and cosigned by a trusted witness when witnesses are given),
/// every entry is included in its checkpoint's tree at its index, and the household's events run
/// from its first version without a gap. Pure.
/// </summary>
public static class EvidenceVerification
{
    public static IReadOnlyList<string> Problems(EvidencePackage package, string origin, IReadOnlyList<NoteVerifierKey> trusted, IReadOnlyList<NoteVerifierKey> witnesses)
    {
        var problems = new List<string>();
        if (package.Subject != "household")
        {
            problems.Add($"the package's subject \"{package.Subject}\" is not one this verifier knows (household)");
            return problems;
        }

        if (package.Leaves.Count == 0)
        {
            problems.Add("the package holds no leaves");
        }

        var versions = new List<long>();
        var trees = new HashSet<(long Size, string Root)>();
        foreach (var leaf in package.Leaves)
        {
            var where = $"leaf {leaf.Index} ({leaf.Source} #{leaf.Sequence})";
            var entry = Encoding.UTF8.GetBytes(leaf.Entry);
            try
            {
                if (!CanonicalJson.Canonicalize(entry).AsSpan().SequenceEqual(entry))
                {
                    problems.Add($"{where}: its entry is not in the log's canonical encoding");
                    continue;
                }

                using var document = JsonDocument.Parse(entry);
                var root = document.RootElement;
                if (root.GetProperty("source").GetString() != leaf.Source || root.GetProperty("seq").GetInt64() != leaf.Sequence
                    || leaf.Source != "event" || root.GetProperty("stream").GetString() != package.SubjectId)
                {
                    problems.Add($"{where}: its entry is not an event of household {package.SubjectId} with that sequence");
                    continue;
                }

                versions.Add(root.GetProperty("version").GetInt64());
            }
            catch (Exception error) when (error is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                problems.Add($"{where}: its entry cannot be read ({error.Message})");
                continue;
            }

            try
            {
                var proof = TlogProof.Parse(leaf.Proof);
                var note = SignedNote.Parse(proof.Checkpoint);
                note.Verify(trusted);
                var checkpoint = Checkpoint.Parse(note.Text);
                trees.Add((checkpoint.Size, Convert.ToBase64String(checkpoint.Root)));
                if (checkpoint.Origin != origin)
                {
                    problems.Add($"{where}: its checkpoint is of origin \"{checkpoint.Origin}\", not \"{origin}\"");
                }
                else if (witnesses.Count > 0 && !witnesses.Any(witness => note.Signatures.Any(signature => Cosignature.Verify(witness, note.Text, signature) is not null)))
                {
                    problems.Add($"{where}: its checkpoint carries no good cosignature of a trusted witness");
                }
                else if (proof.Index != leaf.Index || !MerkleTree.VerifyInclusion(proof.Index, checkpoint.Size, MerkleTree.LeafHash(entry), proof.Hashes, checkpoint.Root))
                {
                    problems.Add($"{where}: its inclusion proof does not prove the entry in the checkpoint of {checkpoint.Size} leaves");
                }
            }
            catch (Exception error) when (error is FormatException or NoteVerificationException)
            {
                problems.Add($"{where}: its proof does not verify ({error.Message})");
            }
        }

        if (trees.Count > 1)
        {
            // Completeness (every version from the first) means something only of one tree.
            problems.Add($"the proofs name {trees.Count} different checkpoints ({string.Join(", ", trees.Select(tree => $"{tree.Size} leaves").Distinct())}): the events are not proved in one tree");
        }

        foreach (var twice in versions.GroupBy(version => version).Where(group => group.Count() > 1))
        {
            problems.Add($"version {twice.Key} of the household is in the package {twice.Count()} times");
        }

        var expected = 1L;
        foreach (var version in versions.Distinct().Order())
        {
            if (version != expected)
            {
                problems.Add($"the household's events are not all here: version {expected} is missing");
                break;
            }

            expected++;
        }

        return problems;
    }
}
