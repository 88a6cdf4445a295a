using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interop.Transparency;

/// <summary>
/// One leaf of an evidence package: where it is, which row it is, the row's canonical entry, and its
/// tlog-proof text. A withheld entry (one holding a bank account number, for a reader who may not
/// see them) is empty and names why; the leaf's hash stands in for it, with the hub's signed
/// statement (<see cref="EvidenceSubjects.WithheldStatement"/>) that this leaf is the subject's
/// entry of that version: its place in the log is proven, what it is is signed, its content is not shown.
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

    /// <summary>For a withheld entry only: the version of the stream it is (0: a line's row as issued).</summary>
    [JsonPropertyName("version")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Version { get; init; }

    /// <summary>For a withheld entry only: the hub's signature (base64) of <see cref="EvidenceSubjects.WithheldStatement"/>.</summary>
    [JsonPropertyName("statement")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Statement { get; init; }
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
    /// (sequence 0); its index and hash are proven by its proof, and what it is (the subject's, its
    /// source, its version) by the hub's signature of <see cref="WithheldStatement"/>.
    /// </summary>
    public const string HoldsAccountNumber = "holds a bank account number";

    /// <summary>
    /// What the hub signs, with its log key, for a withheld leaf: that the leaf at this index with this
    /// hash is the subject's entry of this source and version. Begins with a zero byte, which no
    /// signed note's text does, so the signature is never a checkpoint's.
    /// </summary>
    public static byte[] WithheldStatement(string subject, string subjectId, long index, string source, long version, ReadOnlySpan<byte> leafHash)
    {
        var text = Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{subject}\n{subjectId}\n{index}\n{source}\n{version}\n"));
        return [0, .. "interop-hub withheld leaf v1"u8, 0, .. text, .. leafHash];
    }

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
        AllowDuplicateProperties = false,
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

        foreach (var twice in package.Leaves.GroupBy(leaf => leaf.Index).Where(group => group.Count() > 1))
        {
            problems.Add($"leaf {twice.Key} is in the package {twice.Count()} times");
        }

        var trees = new HashSet<(long Size, string Root)>();
        foreach (var leaf in package.Leaves)
        {
            var where = $"leaf {leaf.Index} ({leaf.Source} #{leaf.Sequence})";
            if (Hashed(leaf, package, subject, trusted) is not { } hash)
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

    /// <summary>
    /// The leaf's hash: of its entry once the entry is found canonical and the subject's; or, for a
    /// withheld leaf, the hash given, once the hub's signed statement of what it is holds. Null when neither.
    /// </summary>
    private static byte[]? Hashed(EvidenceEntry leaf, EvidencePackage package, Subject subject, IReadOnlyList<NoteVerifierKey> trusted)
    {
        if (leaf.Withheld is not null)
        {
            byte[] given, statement;
            try
            {
                given = Base64Text.Decode(leaf.LeafHash ?? string.Empty);
                statement = Base64Text.Decode(leaf.Statement ?? string.Empty);
            }
            catch (FormatException)
            {
                (given, statement) = ([], []);
            }

            if (leaf is not { Entry.Length: 0, Sequence: 0, Withheld: EvidenceSubjects.HoldsAccountNumber, Version: { } version } || given.Length != MerkleTree.HashSize)
            {
                return subject.Refused($"a withheld leaf gives its 32-byte hash, its version, no entry and no sequence, and the reason \"{EvidenceSubjects.HoldsAccountNumber}\"");
            }

            var stated = EvidenceSubjects.WithheldStatement(package.Subject, package.SubjectId, leaf.Index, leaf.Source, version, given);
            if (!trusted.Any(key => key.Verifies(stated, statement)))
            {
                return subject.Refused("the hub's statement of what this withheld leaf is does not verify with a trusted key");
            }

            return subject.TakeWithheld(leaf.Source, version) ? given : subject.Refused($"a withheld leaf of {leaf.Source}, version {version}, is not one {subject.Name} can have");
        }

        if (leaf.LeafHash is not null || leaf.Version is not null || leaf.Statement is not null)
        {
            return subject.Refused("a leaf whose entry is given carries no withheld leaf's hash, version or statement");
        }

        byte[] entry;
        try
        {
            entry = StrictUtf8.GetBytes(leaf.Entry);
        }
        catch (EncoderFallbackException)
        {
            return subject.Refused("its entry holds a lone surrogate");
        }

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

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

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

        /// <summary>Whether a withheld leaf (its statement verified) is of a source and version the subject can withhold (and counts it).</summary>
        public abstract bool TakeWithheld(string source, long version);

        /// <summary>What a whole history of the subject has that the package lacks, or has twice.</summary>
        public abstract IEnumerable<string> Gaps();

        /// <summary>Versions from 1 each once: those given twice, and the first missing (or below 1).</summary>
        protected static IEnumerable<string> Numbered(IReadOnlyList<long> numbers, string what, string noun)
        {
            foreach (var twice in numbers.GroupBy(number => number).Where(group => group.Count() > 1))
            {
                yield return $"{what} {twice.Key} of the {noun} is in the package {twice.Count()} times";
            }

            // Walked in order, never counted out: a version claimed far beyond the rest costs nothing.
            var expected = 1L;
            foreach (var number in numbers.Distinct().Order())
            {
                if (number != expected)
                {
                    yield return $"the {noun}'s entries are not all here: {what} {Math.Min(number, expected)} is missing or out of place";
                    yield break;
                }

                expected++;
            }
        }
    }

    private sealed class StreamSubject(string kind, string name, Guid stream) : Subject(name)
    {
        private readonly List<(long Version, string? Type)> events = [];

        public override bool Take(JsonElement root)
        {
            if (root.GetProperty("source").GetString() != "event" || !Guid.TryParse(root.GetProperty("stream").GetString(), out var id) || id != stream)
            {
                return false;
            }

            events.Add((root.GetProperty("version").GetInt64(), root.GetProperty("type").GetString()));
            return true;
        }

        public override bool TakeWithheld(string source, long version)
        {
            if (source != "event" || version < 2)
            {
                // The event that begins a record never holds an account number.
                return false;
            }

            events.Add((version, null));
            return true;
        }

        public override IEnumerable<string> Gaps()
        {
            if (events.Count > 0 && events.FirstOrDefault(e => e.Version == 1) is var first && (first.Version != 1 || !EvidenceSubjects.Beginnings(kind).Contains(first.Type)))
            {
                yield return first.Version == 1
                    ? $"its first event is a {first.Type}, which does not begin a {kind}'s record"
                    : $"the {kind}'s first event (version 1) is not here";
            }

            foreach (var problem in Numbered([.. events.Select(e => e.Version)], "version", kind))
            {
                yield return problem;
            }
        }
    }

    private sealed class LineSubject(Guid batch, long line) : Subject($"line {line} of batch {batch}")
    {
        private readonly List<long> lineVersions = [];
        private int rows;

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

        public override bool TakeWithheld(string source, long version)
        {
            // Of a line's rows only its row as issued holds an account number (version 0: the line as issued).
            if (source != "disbursement_line" || version != 0)
            {
                return false;
            }

            rows++;
            return true;
        }

        public override IEnumerable<string> Gaps()
        {
            if (rows != 1)
            {
                yield return rows == 0 ? "the line's row (as issued) is not here" : $"the line's row is in the package {rows} times";
            }

            foreach (var problem in Numbered(lineVersions, "line version", "line"))
            {
                yield return problem;
            }
        }
    }
}
