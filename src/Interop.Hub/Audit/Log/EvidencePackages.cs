using System.Text.Json;
using Interop.Hub.Audit.Replay;
using Interop.Hub.Storage;
using Interop.Transparency;
using Marten;

namespace Interop.Hub.Audit.Log;

/// <summary>What a withheld leaf gives instead of its entry: its hash, the version it is (0: a line's row), and the hub's signature of what it is.</summary>
internal sealed record WithheldLeaf(byte[] LeafHash, long Version, byte[] Statement);

/// <summary>A leaf of an evidence package: its place, its row, its entry (empty when withheld) and its inclusion proof.</summary>
internal sealed record EvidenceLeaf(long Index, string Source, long Sequence, string Entry, IReadOnlyList<byte[]> Proof, WithheldLeaf? Withheld = null);

/// <summary>An evidence package as the hub answers it, or why it cannot.</summary>
internal abstract record EvidenceOutcome
{
    /// <summary>The newest checkpoint, the record's entries it covers with their proofs, how many came after it, and the households whose records it holds.</summary>
    public sealed record Package(string Checkpoint, IReadOnlyList<EvidenceLeaf> Leaves, int Uncovered, IReadOnlyList<Guid> Households) : EvidenceOutcome;

    /// <summary>No record of that kind has the id.</summary>
    public sealed record NoRecord : EvidenceOutcome;

    /// <summary>No checkpoint covers any of the record's entries yet.</summary>
    public sealed record NotCovered(int Entries) : EvidenceOutcome;

    /// <summary>More entries than a package holds.</summary>
    public sealed record TooLarge(int AtLeast) : EvidenceOutcome;

    /// <summary>A row of the record has no canonical form any more (edited behind the hub's back): `interop audit verify` names it.</summary>
    public sealed record RowUnreadable(long Index) : EvidenceOutcome;
}

/// <summary>
/// Evidence packages (docs/audit.md): a record's entries as the log encodes them, each with its
/// inclusion proof in the newest checkpoint. A stream's events by version; a line's row as issued,
/// its payment events by line version, then its bank's notices of it. For a reader whose view does
/// not show bank account numbers, an entry that holds one (by its member names, never by what a
/// partner wrote in a value) is withheld: its hash, the version it is and the hub's signed statement
/// of that, so the package is still whole and nothing in it is unproven.
/// </summary>
internal sealed class EvidencePackages(IDocumentStore store, CheckpointSigner signer)
{
    /// <summary>The most entries one package holds.</summary>
    public const int MaxLeaves = 5_000;

    public async Task<EvidenceOutcome> OfAsync(ReplaySubject subject, bool withholdAccountNumbers, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        var schema = store.Options.DatabaseSchemaName;
        var sources = AuditLogStore.Sources(store);
        var rows = new List<(LogSource Source, long Sequence, long? Index, string Entry)>();
        if (subject is ReplaySubject.Line line)
        {
            foreach (var (code, order) in new (short, string)[] { (2, "sequence"), (4, "line_version"), (6, "position") })
            {
                var source = sources.Single(candidate => candidate.Code == code);
                rows.AddRange((await AuditLogStore.LineLeavesAsync(connection, schema, source, order, line.BatchId, line.LineNumber, MaxLeaves + 1, cancellationToken)).Select(row => (source, row.Sequence, row.Index, row.Entry)));
            }
        }
        else
        {
            rows.AddRange((await AuditLogStore.StreamLeavesAsync(connection, schema, sources[0], subject.StreamId, MaxLeaves + 1, cancellationToken)).Select(row => (sources[0], row.Sequence, row.Index, row.Entry)));
        }

        if (rows.Count == 0 || !Begins(subject, rows[0].Entry))
        {
            return new EvidenceOutcome.NoRecord();
        }

        if (rows.Count > MaxLeaves)
        {
            return new EvidenceOutcome.TooLarge(rows.Count);
        }

        if (await AuditLogStore.CheckpointAsync(connection, schema, null, cancellationToken) is not { } checkpoint)
        {
            return new EvidenceOutcome.NotCovered(rows.Count);
        }

        var covered = rows.Where(row => row.Index is { } index && index < checkpoint.Size).ToList();
        if (covered.Count == 0)
        {
            return new EvidenceOutcome.NotCovered(rows.Count);
        }

        var ranges = covered.Select(row => ProofRanges.Inclusion(row.Index!.Value, checkpoint.Size)).ToList();
        var subtrees = await AuditLogStore.SubtreesAsync(connection, schema, [.. ranges.SelectMany(proof => proof.SelectMany(ProofRanges.Subtrees)).Distinct()], cancellationToken);
        var leaves = new List<EvidenceLeaf>(covered.Count);
        for (var i = 0; i < covered.Count; i++)
        {
            var row = covered[i];
            byte[] entry;
            try
            {
                entry = CanonicalJson.Canonicalize(row.Entry);
            }
            catch (FormatException)
            {
                return new EvidenceOutcome.RowUnreadable(row.Index!.Value);
            }

            var leaf = new EvidenceLeaf(row.Index!.Value, row.Source.Name, row.Sequence, System.Text.Encoding.UTF8.GetString(entry), [.. ranges[i].Select(range => ProofRanges.Head(range, subtrees))]);
            leaves.Add(withholdAccountNumbers && HoldsAccountNumber(leaf.Entry) ? Withheld(subject, leaf, entry) : leaf);
        }

        return new EvidenceOutcome.Package(checkpoint.Note, leaves, rows.Count - covered.Count, HouseholdsOf(subject, rows[0].Entry));
    }

    /// <summary>Whether an entry holds a bank account number: a member so named anywhere in it (names are the hub's; values are what partners wrote, and say nothing).</summary>
    public static bool HoldsAccountNumber(string entry)
    {
        using var document = JsonDocument.Parse(entry);
        return Names(document.RootElement);

        static bool Names(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Any(member =>
                member.Name.Contains("AccountNumber", StringComparison.OrdinalIgnoreCase) || member.Name.Contains("account_number", StringComparison.OrdinalIgnoreCase) || Names(member.Value)),
            JsonValueKind.Array => element.EnumerateArray().Any(Names),
            _ => false,
        };
    }

    /// <summary>The package's name of the record's kind and its id, as the evidence format writes them (<see cref="EvidenceSubjects"/>).</summary>
    public static (string Kind, string Id) Named(ReplaySubject subject) => subject switch
    {
        ReplaySubject.Household household => (EvidenceSubjects.Household, household.Id.ToString()),
        ReplaySubject.Partner partner => (EvidenceSubjects.Partner, partner.PartnerId),
        ReplaySubject.Batch batch => (EvidenceSubjects.Batch, batch.Id.ToString()),
        ReplaySubject.Line line => (EvidenceSubjects.Line, EvidenceSubjects.LineId(line.BatchId, line.LineNumber)),
        _ => throw new InvalidOperationException($"No evidence of {subject.GetType().Name}."),
    };

    /// <summary>The leaf without its entry: its hash, the version it is, and the hub's signed statement of both for this subject.</summary>
    private EvidenceLeaf Withheld(ReplaySubject subject, EvidenceLeaf leaf, byte[] entry)
    {
        long version;
        using (var document = JsonDocument.Parse(entry))
        {
            // A stream's event by its version; a line's row as issued is version 0.
            version = leaf.Source == "event" ? document.RootElement.GetProperty("version").GetInt64() : 0;
        }

        var hash = MerkleTree.LeafHash(entry);
        var (kind, id) = Named(subject);
        var statement = signer.SignStatement(EvidenceSubjects.WithheldStatement(kind, id, leaf.Index, leaf.Source, version, hash));
        return leaf with { Sequence = 0, Entry = string.Empty, Withheld = new WithheldLeaf(hash, version, statement) };
    }

    /// <summary>Whether the record's first row is of its kind: a stream begun by the event that creates one (a partner's or a conflict case's id is no household), a line's row as issued.</summary>
    private static bool Begins(ReplaySubject subject, string entry)
    {
        using var document = JsonDocument.Parse(entry);
        var root = document.RootElement;
        return subject is ReplaySubject.Line
            ? root.GetProperty("source").GetString() == "disbursement_line"
            : EvidenceSubjects.Beginnings(Named(subject).Kind).Contains(root.GetProperty("type").GetString());
    }

    /// <summary>The households whose records the package holds: a household's own, a line's recipient household.</summary>
    private static IReadOnlyList<Guid> HouseholdsOf(ReplaySubject subject, string firstEntry)
    {
        switch (subject)
        {
            case ReplaySubject.Household household:
                return [household.Id];
            case ReplaySubject.Line:
                using (var document = JsonDocument.Parse(firstEntry))
                {
                    return [document.RootElement.GetProperty("household").GetGuid()];
                }

            default:
                return [];
        }
    }
}
