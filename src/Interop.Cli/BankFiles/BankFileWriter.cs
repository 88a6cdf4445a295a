using System.Globalization;
using System.Xml;
using Interop.Contracts.Disbursement.V1;

namespace Interop.Cli.BankFiles;

/// <summary>A transaction a sample file reports: the line's end-to-end id, what happened, the amount moved.</summary>
internal sealed record SampleTransaction(string EndToEndId, PaymentStatus Status, string ReasonCode, long Amount, string BankReference);

/// <summary>How a sample file is broken on purpose, for trying a bank's file path as a hostile or careless bank would.</summary>
[Flags]
internal enum FileBreak
{
    None = 0,

    /// <summary>One more entry, for an end-to-end id no line has.</summary>
    UnknownId = 1,

    /// <summary>The first entry's amount 1,000 short.</summary>
    WrongAmount = 2,

    /// <summary>The first entry again at the end.</summary>
    RepeatedEntry = 4,

    /// <summary>The declared count and sum one entry too many.</summary>
    WrongTotals = 8,

    /// <summary>The file cut off in the middle of an entry.</summary>
    Truncated = 16,
}

/// <summary>
/// Writes realistic pain.002 (payment status report) and camt.054 (debit notification) files of a
/// bank's confirmations, streaming (XmlWriter), so that a million-entry file is written in constant
/// memory; optionally broken as <see cref="FileBreak"/> says.
/// </summary>
internal static class BankFileWriter
{
    public static async Task WriteAsync(string path, BankFileKind kind, string bank, IReadOnlyList<SampleTransaction> transactions, FileBreak breaks, CancellationToken cancellationToken)
    {
        await using var stream = File.Create(path);
        long? cutAt;
        var settings = new XmlWriterSettings { Async = true, Indent = true, Encoding = new System.Text.UTF8Encoding(false) };
        await using (var xml = XmlWriter.Create(stream, settings))
        {
            cutAt = await WriteDocumentAsync(xml, stream, kind, bank, transactions, breaks, cancellationToken);
        }

        if (cutAt is { } cut)
        {
            stream.SetLength(cut);
        }
    }

    /// <summary>Writes the document; returns where to cut the file for a truncated one, else null.</summary>
    private static async Task<long?> WriteDocumentAsync(
        XmlWriter xml, Stream stream, BankFileKind kind, string bank, IReadOnlyList<SampleTransaction> transactions, FileBreak breaks, CancellationToken cancellationToken)
    {
        long count = transactions.Count;
        var first = transactions.Count > 0 ? transactions[0] : null;
        // What the file holds, so that it declares its own totals truly unless told to break them.
        var sum = transactions.Sum(transaction => transaction.Amount)
            - (first is not null && breaks.HasFlag(FileBreak.WrongAmount) ? 1_000 : 0)
            + (first is not null && breaks.HasFlag(FileBreak.RepeatedEntry) ? first.Amount : 0)
            + (first is not null && breaks.HasFlag(FileBreak.UnknownId) ? first.Amount : 0);
        var created = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        var extra = (breaks.HasFlag(FileBreak.UnknownId) ? 1 : 0) + (breaks.HasFlag(FileBreak.RepeatedEntry) ? 1 : 0);
        var ns = kind switch
        {
            BankFileKind.Pain002 => "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10",
            BankFileKind.Camt053 => "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08",
            _ => "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08",
        };
        await xml.WriteStartDocumentAsync();
        await xml.WriteStartElementAsync(null, "Document", ns);
        await xml.WriteStartElementAsync(null, kind switch { BankFileKind.Pain002 => "CstmrPmtStsRpt", BankFileKind.Camt053 => "BkToCstmrStmt", _ => "BkToCstmrDbtCdtNtfctn" }, ns);
        await xml.WriteStartElementAsync(null, "GrpHdr", ns);
        await Leaf(xml, ns, "MsgId", $"{bank.ToUpperInvariant()}-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}");
        await Leaf(xml, ns, "CreDtTm", created);
        await xml.WriteEndElementAsync();
        var declaredCount = count + extra + (breaks.HasFlag(FileBreak.WrongTotals) ? 1 : 0);
        var declaredSum = sum + (breaks.HasFlag(FileBreak.WrongTotals) ? 1_000 : 0);
        if (kind == BankFileKind.Pain002)
        {
            await xml.WriteStartElementAsync(null, "OrgnlGrpInfAndSts", ns);
            await Leaf(xml, ns, "OrgnlMsgId", "KEMENSOS-DISBURSEMENT");
            await Leaf(xml, ns, "OrgnlMsgNmId", "pain.001.001.09");
            await Leaf(xml, ns, "OrgnlNbOfTxs", declaredCount.ToString(CultureInfo.InvariantCulture));
            await xml.WriteEndElementAsync();
            await xml.WriteStartElementAsync(null, "OrgnlPmtInfAndSts", ns);
            await Leaf(xml, ns, "OrgnlPmtInfId", "PKH");
        }
        else
        {
            await xml.WriteStartElementAsync(null, kind == BankFileKind.Camt053 ? "Stmt" : "Ntfctn", ns);
            await Leaf(xml, ns, "Id", $"{bank.ToUpperInvariant()}-NTF-1");
            await Leaf(xml, ns, "CreDtTm", created);
            await xml.WriteStartElementAsync(null, "Acct", ns);
            await xml.WriteStartElementAsync(null, "Id", ns);
            await xml.WriteStartElementAsync(null, "Othr", ns);
            await Leaf(xml, ns, "Id", "KEMENSOS-DISBURSEMENT-ACCOUNT");
            await xml.WriteEndElementAsync();
            await xml.WriteEndElementAsync();
            await xml.WriteEndElementAsync();
            await xml.WriteStartElementAsync(null, "TxsSummry", ns);
            await xml.WriteStartElementAsync(null, "TtlNtries", ns);
            await Leaf(xml, ns, "NbOfNtries", declaredCount.ToString(CultureInfo.InvariantCulture));
            await Leaf(xml, ns, "Sum", declaredSum.ToString(CultureInfo.InvariantCulture));
            await xml.WriteEndElementAsync();
            await xml.WriteEndElementAsync();
        }

        long written = 0;
        foreach (var transaction in transactions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entry = written == 0 && breaks.HasFlag(FileBreak.WrongAmount) ? transaction with { Amount = transaction.Amount - 1_000 } : transaction;
            await Transaction(xml, ns, kind, entry);
            written++;
            if (breaks.HasFlag(FileBreak.Truncated) && written == Math.Max(1, count / 2))
            {
                // Half an entry, then nothing: the file as a dropped transfer leaves it.
                await xml.WriteStartElementAsync(null, kind == BankFileKind.Pain002 ? "TxInfAndSts" : "Ntry", ns);
                await xml.WriteStartElementAsync(null, kind == BankFileKind.Pain002 ? "StsId" : "Amt", ns);
                await xml.FlushAsync();
                // Whatever the writer closes on its way out is cut off by the caller.
                return stream.Position - 3;
            }
        }

        if (first is not null && breaks.HasFlag(FileBreak.RepeatedEntry))
        {
            await Transaction(xml, ns, kind, first);
        }

        if (first is not null && breaks.HasFlag(FileBreak.UnknownId))
        {
            await Transaction(xml, ns, kind, first with { EndToEndId = first.EndToEndId[..^10] + "9999999999", BankReference = "UNKNOWN-1" });
        }

        await xml.WriteEndDocumentAsync();
        return null;
    }

    private static async Task Transaction(XmlWriter xml, string ns, BankFileKind kind, SampleTransaction transaction)
    {
        var amount = transaction.Amount.ToString(CultureInfo.InvariantCulture);
        if (kind == BankFileKind.Pain002)
        {
            await xml.WriteStartElementAsync(null, "TxInfAndSts", ns);
            await Leaf(xml, ns, "StsId", transaction.BankReference);
            await Leaf(xml, ns, "OrgnlEndToEndId", transaction.EndToEndId);
            await Leaf(xml, ns, "TxSts", transaction.Status switch
            {
                PaymentStatus.Rejected => "RJCT",
                PaymentStatus.Pending => "PDNG",
                PaymentStatus.AcceptedInProcess => "ACSP",
                _ => "ACSC",
            });
            if (transaction.ReasonCode.Length > 0)
            {
                await xml.WriteStartElementAsync(null, "StsRsnInf", ns);
                await xml.WriteStartElementAsync(null, "Rsn", ns);
                await Leaf(xml, ns, "Cd", transaction.ReasonCode);
                await xml.WriteEndElementAsync();
                await xml.WriteEndElementAsync();
            }

            await xml.WriteStartElementAsync(null, "OrgnlTxRef", ns);
            await xml.WriteStartElementAsync(null, "Amt", ns);
            await AmountLeaf(xml, ns, "InstdAmt", amount);
            await xml.WriteEndElementAsync();
            await xml.WriteEndElementAsync();
            await xml.WriteEndElementAsync();
            return;
        }

        var returned = transaction.Status == PaymentStatus.Returned;
        await xml.WriteStartElementAsync(null, "Ntry", ns);
        await AmountLeaf(xml, ns, "Amt", amount);
        await Leaf(xml, ns, "CdtDbtInd", returned ? "CRDT" : "DBIT");
        await xml.WriteStartElementAsync(null, "Sts", ns);
        await Leaf(xml, ns, "Cd", transaction.Status == PaymentStatus.Pending ? "PDNG" : "BOOK");
        await xml.WriteEndElementAsync();
        await xml.WriteStartElementAsync(null, "NtryDtls", ns);
        await xml.WriteStartElementAsync(null, "TxDtls", ns);
        await xml.WriteStartElementAsync(null, "Refs", ns);
        await Leaf(xml, ns, "AcctSvcrRef", transaction.BankReference);
        await Leaf(xml, ns, "EndToEndId", transaction.EndToEndId);
        await xml.WriteEndElementAsync();
        await AmountLeaf(xml, ns, "Amt", amount);
        if (returned)
        {
            await xml.WriteStartElementAsync(null, "RtrInf", ns);
            await xml.WriteStartElementAsync(null, "Rsn", ns);
            await Leaf(xml, ns, "Cd", transaction.ReasonCode);
            await xml.WriteEndElementAsync();
            await xml.WriteEndElementAsync();
        }

        await xml.WriteEndElementAsync();
        await xml.WriteEndElementAsync();
        await xml.WriteEndElementAsync();
    }

    private static Task Leaf(XmlWriter xml, string ns, string name, string value) => xml.WriteElementStringAsync(null, name, ns, value);

    private static async Task AmountLeaf(XmlWriter xml, string ns, string name, string amount)
    {
        await xml.WriteStartElementAsync(null, name, ns);
        await xml.WriteAttributeStringAsync(null, "Ccy", null, "IDR");
        await xml.WriteStringAsync(amount);
        await xml.WriteEndElementAsync();
    }
}
