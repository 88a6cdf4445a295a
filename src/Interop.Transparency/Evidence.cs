using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interop.Transparency;

/// <summary>
/// One leaf of an evidence package: where it is, which row it is, the row's canonical entry, and its
/// tlog-proof text. A withheld entry (one holding a bank account number, for a reader who may not
/// see them) is empty and names why; the leaf's hash stands in for it, so the leaf's place in the
/// log is proven and its content is not shown.
/// </summary>
public sealed record EvidenceEntry(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("entry")] string Entry,
    [property: JsonPropertyName("proof")] string Proof)
{
    [JsonPropertyName("withheld")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Withheld { get; init; }

    /// <summary>The leaf's hash, base64, for a withheld entry only.</summary>
    [JsonPropertyName("leaf_hash")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LeafHash { get; init; }
}

/// <summary>The records an evidence package can be of, and the streams the log keeps them in.</summary>
public static class EvidenceSubjects
{
    public const string Household = "household";
    public const string Partner = "partner";
    public const string Batch = "batch";

    /// <summary>One line of a batch; its id is "batch id/line number".</summary>
    public const string Line = "disbursement_line";

    /// <summary>The stream of a partner's record: the first 16 bytes of SHA-256("interop-hub:partner:" + id), as a Guid.</summary>
    public static Guid PartnerStream(string partnerId) =>
        new(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("interop-hub:partner:" + partnerId)).AsSpan(0, 16));

    /// <summary>The stored names of the events that begin a record of the kind (a stream of another kind is not the subject).</summary>
    public static IReadOnlyList<string> Beginnings(string subject) => subject switch
    {
        Household => ["household_proposed", "split_off"],
        Partner => ["partner_registered"],
        Batch => ["batch_issued"],
        _ => [],
    };

    /// <summary>
    /// Why the hub withholds an entry (the one reason there is). A withheld leaf names no row
    /// (sequence 0): nothing about it is left that its proof does not cover but its source.
    /// </summary>
    public const string HoldsAccountNumber = "holds a bank account number";

    /// <summary>The id of a line's package.</summary>
    public static string LineId(Guid batchId, long lineNumber) => $"{batchId}/{lineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>
/// An evidence package (docs/audit.md): a JSON file naming its subject (a household, a partner's
/// record, a batch, a disbursement line) and holding each of the subject's entries as the log
/// encodes it, with a C2SP tlog-proof (the inclusion proof and the signed, cosigned checkpoint) for
/// each. Verified offline with public keys only.
/// </summary>
public sealed record EvidencePackage(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("subject_id")] string SubjectId,
    [property: JsonPropertyName("leaves")] IReadOnlyList<EvidenceEntry> Leaves)
{
    public const string CurrentFormat = "interop-hub/evidence/v1";

    // Strict: a member the format does not have, or one it needs missing, is no package (a flipped letter in a name must not read as a default).
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

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
/// every entry (a withheld one's leaf hash) is included in one and the same checkpoint's tree at its
/// index, and the subject's history is whole: a stream's events from the one that begins it without
/// a gap, a line's row once and its payment events from its first line version. Pure.
/// </summary>
public static class EvidenceVerification
{
    public static IReadOnlyList<string> Problems(EvidencePackage package, string origin, IReadOnlyList<NoteVerifierKey> trusted, IReadOnlyList<NoteVerifierKey> witnesses)
    {
        var problems = new List<string>();
        if (Subject.Of(package) is not { } subject)
        {
            problems.Add($"the package's subject \"{package.Subject}\" \"{package.SubjectId}\" is not one this verifier knows (a household, partner or batch with its id, or a disbursement_line as batch id/line number)");
            return problems;
        }

        if (package.Leaves.Count == 0)
        {
            problems.Add("the package holds no leaves");
        }

        var trees = new HashSet<(long Size, string Root)>();
        foreach (var leaf in package.Leaves)
        {
            var where = $"leaf {leaf.Index} ({leaf.Source} #{leaf.Sequence})";
            if (Hashed(leaf, subject) is not { } hash)
            {
                problems.Add($"{where}: {subject.Refusal}");
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
                else if (proof.Index != leaf.Index || !MerkleTree.VerifyInclusion(proof.Index, checkpoint.Size, hash, proof.Hashes, checkpoint.Root))
                {
                    problems.Add($"{where}: its inclusion proof does not prove the {(leaf.Withheld is null ? "entry" : "withheld leaf's hash")} in the checkpoint of {checkpoint.Size} leaves");
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
            problems.Add($"the proofs name {trees.Count} different checkpoints ({string.Join(", ", trees.Select(tree => $"{tree.Size} leaves").Distinct())}): the entries are not proved in one tree");
        }

        problems.AddRange(subject.Gaps());
        return problems;
    }

    /// <summary>The leaf's hash: of its entry once the entry is found canonical and the subject's, or the withheld leaf's as given; null when neither.</summary>
    private static byte[]? Hashed(EvidenceEntry leaf, Subject subject)
    {
        if (leaf.Withheld is not null)
        {
            byte[] given;
            try
            {
                given = Base64Text.Decode(leaf.LeafHash ?? string.Empty);
            }
            catch (FormatException)
            {
                given = [];
            }

            return leaf is { Entry.Length: 0, Sequence: 0, Withheld: EvidenceSubjects.HoldsAccountNumber } && given.Length == 32 && subject.TakeWithheld(leaf)
                ? given
                : subject.Refused($"a withheld leaf gives its 32-byte hash, no entry and no sequence, a source of the subject's that can hold an account number, and the reason \"{EvidenceSubjects.HoldsAccountNumber}\"");
        }

        var entry = Encoding.UTF8.GetBytes(leaf.Entry);
        try
        {
            if (!CanonicalJson.Canonicalize(entry).AsSpan().SequenceEqual(entry))
            {
                return subject.Refused("its entry is not in the log's canonical encoding");
            }

            using var document = JsonDocument.Parse(entry);
            var root = document.RootElement;
            return root.GetProperty("source").GetString() == leaf.Source && root.GetProperty("seq").GetInt64() == leaf.Sequence && subject.Take(root)
                ? MerkleTree.LeafHash(entry)
                : subject.Refused($"its entry is not one of {subject.Name} with that sequence");
        }
        catch (Exception error) when (error is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return subject.Refused($"its entry cannot be read ({error.Message})");
        }
    }

    /// <summary>What a package is of: which entries are its, and what a whole history of it holds.</summary>
    private abstract class Subject(string name)
    {
        public string Name { get; } = name;

        /// <summary>Why the last leaf was refused.</summary>
        public string Refusal { get; private set; } = string.Empty;

        public static Subject? Of(EvidencePackage package)
        {
            var id = package.SubjectId;
            switch (package.Subject)
            {
                case EvidenceSubjects.Household or EvidenceSubjects.Batch when Guid.TryParse(id, out var stream) && id == stream.ToString():
                    return new StreamSubject(package.Subject, $"{package.Subject} {id}", stream);
                case EvidenceSubjects.Partner when id.Length is > 0 and <= 63 && id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'):
                    return new StreamSubject(package.Subject, $"partner {id}", EvidenceSubjects.PartnerStream(id));
                case EvidenceSubjects.Line:
                    var parts = id.Split('/');
                    return parts.Length == 2 && Guid.TryParse(parts[0], out var batch) && long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var line)
                        && line > 0 && id == EvidenceSubjects.LineId(batch, line)
                        ? new LineSubject(batch, line)
                        : null;
                default:
                    return null;
            }
        }

        public byte[]? Refused(string why)
        {
            Refusal = why;
            return null;
        }

        /// <summary>Whether the entry is one of the subject's (and counts it).</summary>
        public abstract bool Take(JsonElement root);

        /// <summary>Whether a withheld leaf names a source of the subject's (and counts it).</summary>
        public abstract bool TakeWithheld(EvidenceEntry leaf);

        /// <summary>What a whole history of the subject has that the package lacks, or has twice.</summary>
        public abstract IEnumerable<string> Gaps();

        /// <summary>Versions from 1 each once: those given twice, and the first missing beyond what the withheld leaves may stand for.</summary>
        protected static IEnumerable<string> Numbered(IReadOnlyList<long> numbers, int withheld, string what, string noun)
        {
            foreach (var twice in numbers.GroupBy(number => number).Where(group => group.Count() > 1))
            {
                yield return $"{what} {twice.Key} of the {noun} is in the package {twice.Count()} times";
            }

            var given = numbers.ToHashSet();
            var missing = given.Count == 0 ? [] : Enumerable.Range(1, (int)Math.Min(given.Max(), int.MaxValue)).Select(number => (long)number).Where(number => !given.Contains(number)).ToList();
            if (missing.Count > withheld || given.Any(number => number < 1))
            {
                yield return $"the {noun}'s entries are not all here: {what} {missing.Concat(given.Where(number => number < 1)).Min()} is missing or out of place";
            }
        }
    }

    private sealed class StreamSubject(string kind, string name, Guid stream) : Subject(name)
    {
        private readonly List<(long Version, string? Type)> events = [];
        private int withheld;

        public override bool Take(JsonElement root)
        {
            if (root.GetProperty("source").GetString() != "event" || !Guid.TryParse(root.GetProperty("stream").GetString(), out var id) || id != stream)
            {
                return false;
            }

            events.Add((root.GetProperty("version").GetInt64(), root.GetProperty("type").GetString()));
            return true;
        }

        public override bool TakeWithheld(EvidenceEntry leaf)
        {
            withheld++;
            return leaf.Source == "event";
        }

        public override IEnumerable<string> Gaps()
        {
            if (events.Count > 0 && events.FirstOrDefault(e => e.Version == 1) is var first && (first.Version != 1 || !EvidenceSubjects.Beginnings(kind).Contains(first.Type)))
            {
                yield return first.Version == 1
                    ? $"its first event is a {first.Type}, which does not begin a {kind}'s record"
                    : $"the {kind}'s first event (version 1) is not here";
            }

            foreach (var problem in Numbered([.. events.Select(e => e.Version)], withheld, "version", kind))
            {
                yield return problem;
            }
        }
    }

    private sealed class LineSubject(Guid batch, long line) : Subject($"line {line} of batch {batch}")
    {
        private readonly List<long> lineVersions = [];
        private int rows;
        private int withheldRows;

        public override bool Take(JsonElement root)
        {
            var source = root.GetProperty("source").GetString();
            if (source is not ("disbursement_line" or "payment" or "bank_instruction")
                || !Guid.TryParse(root.GetProperty("batch").GetString(), out var id) || id != batch || root.GetProperty("line").GetInt64() != line)
            {
                return false;
            }

            if (source == "disbursement_line")
            {
                rows++;
            }
            else if (source == "payment")
            {
                lineVersions.Add(root.GetProperty("line_version").GetInt64());
            }

            return true;
        }

        public override bool TakeWithheld(EvidenceEntry leaf)
        {
            // Of a line's rows only its row as issued holds an account number.
            withheldRows += leaf.Source == "disbursement_line" ? 1 : 0;
            return leaf.Source == "disbursement_line";
        }

        public override IEnumerable<string> Gaps()
        {
            if (rows + withheldRows != 1)
            {
                yield return rows + withheldRows == 0 ? "the line's row (as issued) is not here" : $"the line's row is in the package {rows + withheldRows} times";
            }

            foreach (var problem in Numbered(lineVersions, 0, "line version", "line"))
            {
                yield return problem;
            }
        }
    }
}
