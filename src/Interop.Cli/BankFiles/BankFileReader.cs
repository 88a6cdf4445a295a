using System.Globalization;
using System.Xml;
using Interop.Contracts.Disbursement.V1;

namespace Interop.Cli.BankFiles;

/// <summary>The ISO 20022 messages a bank sends back about payments.</summary>
internal enum BankFileKind
{
    /// <summary>pain.002: customer payment status report (per transaction: ACSC, ACSP, PDNG, RJCT).</summary>
    Pain002,

    /// <summary>camt.054: debit and credit notifications (booked entries, returns, reversals).</summary>
    Camt054,

    /// <summary>camt.053: the account statement (the same entries, for a period).</summary>
    Camt053,
}

/// <summary>One transaction of a bank's file, numbered from 1 in the file's order; <see cref="Problem"/> says why it cannot be taken as it stands.</summary>
internal sealed record BankFileEntry(long Number, string EndToEndId, PaymentStatus Status, string ReasonCode, long Amount, string Currency, string BankReference, string? Problem)
{
    public PaymentConfirmation ToConfirmation() =>
        new() { EndToEndId = EndToEndId, Status = Status, ReasonCode = ReasonCode, Amount = Amount, Currency = Currency, BankReference = BankReference };
}

/// <summary>What a file declares about itself (a count of entries and their sum), to be checked against what it holds.</summary>
/// <param name="Block">For a camt summary, the statement or notification it sums up (0-based); null for a file-wide one.</param>
internal sealed record DeclaredTotals(string Where, long? Count, decimal? Sum, int? Block = null);

/// <summary>The file breaks off or is not well-formed XML: where, and after which entry.</summary>
internal sealed class BankFileException(string message) : Exception(message);

/// <summary>
/// Reads a bank's pain.002, camt.054 or camt.053 file with the platform's streaming XML reader, one
/// transaction at a time, so that a file of a million entries never has to fit in memory. The
/// published ISO 20022 schemas cannot be fetched on these networks, so each entry is checked by
/// explicit structural rules instead: the end-to-end id, a status the hub takes, a reason where one is
/// needed, a whole positive amount with its currency. DTDs are refused (no entity expansion from a
/// hostile file).
/// </summary>
internal sealed class BankFileReader : IDisposable
{
    private const string IsoNamespace = "urn:iso:std:iso:20022:tech:xsd:";

    private readonly XmlReader reader;
    private readonly string ns;
    private readonly List<DeclaredTotals> declared = [];
    private long entries;
    // Entries and their sum in each statement (camt.053 Stmt) or notification (camt.054 Ntfctn), in order:
    // each block's own summary is checked against that block.
    private readonly List<(long Count, decimal Sum)> blocks = [];

    private BankFileReader(XmlReader reader, BankFileKind kind, string ns)
    {
        this.reader = reader;
        Kind = kind;
        this.ns = ns;
    }

    public BankFileKind Kind { get; }

    /// <summary>What the file declared about itself, as read so far (all of it once <see cref="Entries"/> is done).</summary>
    public IReadOnlyList<DeclaredTotals> Declared => declared;

    /// <summary>Opens the file and says which message it is (refused when it is none of the three).</summary>
    public static BankFileReader Open(string path)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreWhitespace = true,
            IgnoreProcessingInstructions = true,
            Async = false,
        };
        var reader = XmlReader.Create(path, settings);
        try
        {
            reader.MoveToContent();
            var ns = reader.NamespaceURI;
            if (reader.LocalName != "Document" || !ns.StartsWith(IsoNamespace, StringComparison.Ordinal))
            {
                throw new BankFileException($"not an ISO 20022 document (its root is <{Clip(reader.LocalName)}> in \"{Clip(ns)}\")");
            }

            var message = ns[IsoNamespace.Length..];
            BankFileKind kind = message.StartsWith("pain.002.", StringComparison.Ordinal) ? BankFileKind.Pain002
                : message.StartsWith("camt.054.", StringComparison.Ordinal) ? BankFileKind.Camt054
                : message.StartsWith("camt.053.", StringComparison.Ordinal) ? BankFileKind.Camt053
                : throw new BankFileException($"an ISO 20022 {Clip(message)} message: the hub takes pain.002, camt.054 and camt.053");
            return new BankFileReader(reader, kind, ns);
        }
        catch (XmlException exception)
        {
            reader.Dispose();
            throw new BankFileException($"not well-formed XML at line {exception.LineNumber}, position {exception.LinePosition}");
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>The file's transactions in order; a break in the XML ends it with <see cref="BankFileException"/> naming where.</summary>
    public IEnumerable<BankFileEntry> Entries()
    {
        var entryElement = Kind == BankFileKind.Pain002 ? "TxInfAndSts" : "Ntry";
        while (true)
        {
            FileElement? element;
            try
            {
                element = NextOf(entryElement);
            }
            catch (XmlException exception)
            {
                throw new BankFileException($"the file breaks off or is not well-formed at line {exception.LineNumber}, position {exception.LinePosition}, after entry {entries:N0}");
            }

            if (element is null)
            {
                yield break;
            }

            foreach (var entry in Kind == BankFileKind.Pain002 ? [FromStatusReport(element)] : FromNotification(element))
            {
                yield return entry;
            }
        }
    }

    /// <summary>Why the totals the file declares differ from what it holds, or nothing.</summary>
    public IEnumerable<string> TotalsProblems(IReadOnlyDictionary<PaymentStatus, (long Count, decimal Sum)> byStatus)
    {
        foreach (var totals in declared)
        {
            var (count, sum) = totals.Where switch
            {
                var where when where.StartsWith("NbOfTxsPerSts ", StringComparison.Ordinal) =>
                    byStatus.TryGetValue(StatusOf(where["NbOfTxsPerSts ".Length..]) ?? PaymentStatus.Unspecified, out var held) ? held : (0, 0m),
                _ when totals.Block is { } block && block < blocks.Count => blocks[block],
                _ => (blocks.Sum(block => block.Count), blocks.Sum(block => block.Sum)),
            };
            // With one block, what it holds is what the file holds; with several, each is named.
            var holder = totals.Block is { } index && blocks.Count > 1 ? $"{BlockName} {index + 1:N0}" : "the file";
            var label = totals.Block is { } named && blocks.Count > 1 ? $"{BlockName} {named + 1:N0} {totals.Where}" : totals.Where;
            if (totals.Count is { } declaredCount && declaredCount != count)
            {
                yield return $"{label} declares {declaredCount:N0} entries; {holder} holds {count:N0}";
            }

            if (totals.Sum is { } declaredSum && declaredSum != sum)
            {
                yield return $"{label} declares a sum of {declaredSum.ToString("N0", CultureInfo.InvariantCulture)}; the entries{(holder == "the file" ? string.Empty : $" of {holder}")} add up to {sum.ToString("N0", CultureInfo.InvariantCulture)}";
            }
        }
    }

    /// <summary>The camt element that holds a block of entries with its own summary.</summary>
    private string BlockName => Kind == BankFileKind.Camt053 ? "Stmt" : "Ntfctn";

    public void Dispose() => reader.Dispose();

    /// <summary>The next entry element, reading past (and noting) the summaries on the way; null at the end of the file.</summary>
    private FileElement? NextOf(string entryElement)
    {
        while (!reader.EOF)
        {
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == entryElement && reader.NamespaceURI == ns)
            {
                return FileElement.Read(reader, ns);
            }

            if (Kind != BankFileKind.Pain002 && reader.NodeType == XmlNodeType.Element && reader.NamespaceURI == ns && reader.LocalName == BlockName)
            {
                blocks.Add((0, 0m));
            }

            if (reader.NodeType == XmlNodeType.Element && reader.NamespaceURI == ns && reader.LocalName is "TxsSummry" or "NbOfTxsPerSts")
            {
                Summary(FileElement.Read(reader, ns));
                continue;
            }

            reader.Read();
        }

        return null;
    }

    private void Summary(FileElement summary)
    {
        if (summary.Name == "TxsSummry" && summary.Element("TtlNtries") is { } total)
        {
            declared.Add(new("TxsSummry/TtlNtries", Long(total.Element("NbOfNtries")), Decimal(total.Element("Sum")), blocks.Count > 0 ? blocks.Count - 1 : null));
        }
        else if (summary.Name == "NbOfTxsPerSts")
        {
            declared.Add(new($"NbOfTxsPerSts {Clip(summary.Element("DtldSts")?.Value ?? string.Empty)}", Long(summary.Element("DtldNbOfTxs")), Decimal(summary.Element("DtldCtrlSum"))));
        }
    }

    private BankFileEntry FromStatusReport(FileElement transaction)
    {
        var number = ++entries;
        var endToEndId = transaction.Element("OrgnlEndToEndId")?.Value ?? string.Empty;
        var code = transaction.Element("TxSts")?.Value ?? string.Empty;
        var reason = transaction.Element("StsRsnInf")?.Element("Rsn")?.Element("Cd")?.Value ?? string.Empty;
        var amount = transaction.Element("OrgnlTxRef")?.Element("Amt")?.Element("InstdAmt");
        var reference = transaction.Element("AcctSvcrRef")?.Value ?? transaction.Element("StsId")?.Value ?? string.Empty;
        var status = StatusOf(code);
        var problem = endToEndId.Length == 0 ? "no OrgnlEndToEndId"
            : IdProblem(endToEndId) is { } idProblem ? idProblem
            : status is null ? $"TxSts \"{Clip(code)}\" is not one the hub takes (ACSC, ACSP, PDNG, RJCT)"
            : AmountProblem(amount);
        return Entry(number, endToEndId, status ?? PaymentStatus.Unspecified, status == PaymentStatus.Rejected ? reason : string.Empty, amount, reference, problem);
    }

    /// <summary>A camt entry: one transaction per TxDtls (a batch booking holds several), the entry's amount when it holds one.</summary>
    private IEnumerable<BankFileEntry> FromNotification(FileElement entry)
    {
        if (blocks.Count == 0)
        {
            // An entry outside any statement or notification (not ISO, but counted all the same).
            blocks.Add((0, 0m));
        }
        var entryAmount = entry.Element("Amt");
        // A sum no file of rupiah reaches; an absurd amount is refused by its entry's own check, not by an overflow here.
        var (blockCount, blockSum) = blocks[^1];
        blocks[^1] = (blockCount + 1, blockSum + (decimal.TryParse(entryAmount?.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value < 1_000_000_000_000_000m ? value : 0));
        var booking = entry.Element("Sts")?.Element("Cd")?.Value ?? entry.Element("Sts")?.Value ?? string.Empty;
        var direction = entry.Element("CdtDbtInd")?.Value ?? string.Empty;
        var reversal = entry.Element("RvslInd")?.Value is "true" or "1";
        var details = entry.Elements("NtryDtls").SelectMany(group => group.Elements("TxDtls")).ToList();
        if (details.Count == 0)
        {
            yield return Entry(++entries, string.Empty, PaymentStatus.Unspecified, string.Empty, entryAmount, string.Empty, "no NtryDtls/TxDtls: the entry names no transaction");
            yield break;
        }

        foreach (var transaction in details)
        {
            var number = ++entries;
            var endToEndId = transaction.Element("Refs")?.Element("EndToEndId")?.Value ?? string.Empty;
            var amount = transaction.Element("Amt") ?? transaction.Element("AmtDtls")?.Element("TxAmt")?.Element("Amt") ?? (details.Count == 1 ? entryAmount : null);
            var returned = transaction.Element("RtrInf");
            var reason = returned?.Element("Rsn")?.Element("Cd")?.Value ?? string.Empty;
            var reference = transaction.Element("Refs")?.Element("AcctSvcrRef")?.Value ?? entry.Element("AcctSvcrRef")?.Value ?? string.Empty;
            (PaymentStatus Status, string Reason, string? Problem) meaning = (booking, direction, reversal, returned) switch
            {
                ("PDNG", _, _, _) => (PaymentStatus.Pending, string.Empty, null),
                ("BOOK", _, true, _) => (PaymentStatus.Reversed, reason.Length > 0 ? reason : "NARR", null),
                ("BOOK", "CRDT", false, not null) => (PaymentStatus.Returned, reason, reason.Length == 0 ? "a return without RtrInf/Rsn/Cd" : null),
                ("BOOK", "DBIT", false, null) => (PaymentStatus.Settled, string.Empty, null),
                ("BOOK", "DBIT", false, not null) => (PaymentStatus.Unspecified, string.Empty, "a debit with return information (RtrInf): a return is a credit"),
                ("BOOK", "CRDT", false, null) => (PaymentStatus.Unspecified, string.Empty, "a credit that is neither a return nor a reversal pays no line"),
                ("BOOK", _, _, _) => (PaymentStatus.Unspecified, string.Empty, $"CdtDbtInd \"{Clip(direction)}\" is neither DBIT nor CRDT"),
                _ => (PaymentStatus.Unspecified, string.Empty, $"entry status \"{Clip(booking)}\" is not one the hub takes (BOOK, PDNG)"),
            };
            var problem = endToEndId.Length == 0 ? "no Refs/EndToEndId" : IdProblem(endToEndId) ?? meaning.Problem ?? AmountProblem(amount);
            yield return Entry(number, endToEndId, meaning.Status, meaning.Reason, amount, reference, problem);
        }
    }

    private static BankFileEntry Entry(long number, string endToEndId, PaymentStatus status, string reason, FileElement? amount, string reference, string? problem) =>
        new(
            number,
            endToEndId,
            status,
            reason,
            problem is null ? (long)decimal.Parse(amount!.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) : 0,
            amount?.Currency ?? string.Empty,
            reference,
            problem);

    /// <summary>An end-to-end id as the hub issues them (ISO 20022 Max35Text of capital letters, digits and '-'), checked here so that nothing else is sent.</summary>
    private static string? IdProblem(string endToEndId) =>
        endToEndId.Length <= 35 && endToEndId.All(character => char.IsAsciiLetterUpper(character) || char.IsAsciiDigit(character) || character == '-')
            ? null
            : "the end-to-end id is not one the hub issues (at most 35 capital letters, digits or '-')";

    private static string? AmountProblem(FileElement? amount) =>
        amount is null ? "no amount"
        : amount.Currency is null ? "the amount names no currency (Ccy)"
        : !decimal.TryParse(amount.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value > long.MaxValue ? $"amount \"{Clip(amount.Value)}\" is not a number"
        : value <= 0 || value != decimal.Truncate(value) ? $"amount {value.ToString(CultureInfo.InvariantCulture)} is not a positive whole number of rupiah"
        : null;

    private static PaymentStatus? StatusOf(string code) => code switch
    {
        "ACSC" => PaymentStatus.Settled,
        "ACSP" => PaymentStatus.AcceptedInProcess,
        "PDNG" => PaymentStatus.Pending,
        "RJCT" => PaymentStatus.Rejected,
        _ => null,
    };

    private static long? Long(FileElement? element) => long.TryParse(element?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static decimal? Decimal(FileElement? element) => decimal.TryParse(element?.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>A value from the file, cut short for a message (a file may hold anything).</summary>
    private static string Clip(string value) => new(value.Where(character => !char.IsControl(character)).Take(40).ToArray());
}
