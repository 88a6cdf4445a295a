using System.Xml.Linq;
using Interop.Contracts.Disbursement.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>
/// A bank's ISO 20022 files through the `interop` command, run as a separate process: the file is
/// checked whole (its structure, its totals, each entry against the bank's lines) before any of it is
/// applied; a broken file is refused naming the entry and the reason, and nothing of it is applied
/// unless the bank asks for partial acceptance, which then says exactly what was and was not applied.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class BankFileTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "bank_files")
{
    private const int Households = 6;
    private readonly string folder = Directory.CreateTempSubdirectory("interop-bank-files-").FullName;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_camt_054_file_with_an_unknown_id_a_wrong_amount_and_a_repeated_entry_is_refused_whole_then_taken_in_part()
    {
        var batch = await BatchAsync("PKH-2026-S3-CAMT");
        var lines = await LinesCsvAsync();
        var broken = await GenerateAsync(lines, "camt.054", "broken.xml", "unknown-id", "wrong-amount", "repeated-entry");

        var refused = await Bri("disbursements", "confirm-file", broken);

        Assert.Equal(2, refused.ExitCode);
        var output = refused.Output.ReplaceLineEndings(" ");
        Assert.Contains("entry 1 (", output, StringComparison.Ordinal);
        Assert.Contains("the amount differs from what the line instructs", output, StringComparison.Ordinal);
        Assert.Contains($"entry {Households + 1} (", output, StringComparison.Ordinal);
        Assert.Contains("repeats an earlier entry", output, StringComparison.Ordinal);
        Assert.Contains($"entry {Households + 2} (", output, StringComparison.Ordinal);
        Assert.Contains("no line of this bank has that end-to-end id", output, StringComparison.Ordinal);
        Assert.Contains("File refused: 3 problem(s)", output, StringComparison.Ordinal);
        Assert.All(await StewardLinesAsync(batch), line => Assert.Equal(0, line.ConfirmationsApplied));

        var partial = await Bri("disbursements", "confirm-file", broken, "--partial");

        Assert.Equal(3, partial.ExitCode);
        Assert.Contains($"Applied {Households - 1} entries, 0 already applied before; not applied: 3.", partial.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        var after = await StewardLinesAsync(batch);
        Assert.Equal(0, after.Single(line => line.LineNumber == 1).ConfirmationsApplied);
        Assert.All(after.Where(line => line.LineNumber > 1), line => Assert.Equal((PaymentStatus.Settled, 1L), (line.PaymentStatus, line.ConfirmationsApplied)));

        // The bank's corrected pain.002 for all its lines: the first is applied now, the rest were already.
        var corrected = await GenerateAsync(lines, "pain.002", "corrected.xml");
        var applied = await Bri("disbursements", "confirm-file", corrected);
        Assert.True(applied.ExitCode == 0, applied.Output + applied.Error);
        Assert.Contains($"Applied 1 entry, {Households - 1} already applied before; not applied: 0.", applied.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.All(await StewardLinesAsync(batch), line => Assert.Equal((PaymentStatus.Settled, 1L), (line.PaymentStatus, line.ConfirmationsApplied)));

        // The bank already holds three of its four streams open: the file's second stream is refused,
        // and the command stops its first instead of waiting on it forever, saying why.
        var bank = new PaymentService.PaymentServiceClient(Hub.Channel(Pki.Bank, purpose: "disbursement-payment"));
        var held = Enumerable.Range(0, 3).Select(_ => bank.ConfirmPayments()).ToList();
        try
        {
            foreach (var call in held)
            {
                await call.RequestStream.WriteAsync(new ConfirmPaymentsRequest());
            }

            var crowded = await Bri("disbursements", "confirm-file", corrected).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(3, crowded.ExitCode);
            Assert.Contains("ResourceExhausted", crowded.Error.ReplaceLineEndings(" "), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var call in held)
            {
                call.Dispose();
            }
        }

        // The steward's report: a table that adds up, and the same rows as CSV.
        var csv = Path.Combine(folder, "report.csv");
        var report = await InteropCli.RunAsync(["disbursements", "report", "--batch", batch.BatchId, "--csv", csv, .. InteropCli.PartnerArguments(Hub, Pki, Pki.Steward, "steward")]);
        Assert.True(report.ExitCode == 0, report.Output + report.Error);
        Assert.Contains($"Control totals {Households} lines, Rp {Households * 600_000:N0}: match.", report.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        // The file's unknown id never reached the hub: the CLI refused it before sending.
        Assert.Contains("Confirmations for no known line: none.", report.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        var rows = (await File.ReadAllLinesAsync(csv)).ToList();
        Assert.Equal("BatchId,AsOf,Bank,Province,Regency,Outcome,Lines,InstructedAmount,MovedAmount", rows[0]);
        Assert.Equal([$"bri,32,32.73,paid as instructed,{Households},{Households * 600_000},{Households * 600_000}"], rows.Skip(1).Select(row => string.Join(',', row.Split(',').Skip(2))));
    }

    [Fact]
    public async Task A_truncated_statement_or_wrong_totals_are_refused_naming_where_and_a_hostile_file_is_refused_without_harm()
    {
        var batch = await BatchAsync("PKH-2026-S3-BROKEN");
        var lines = await LinesCsvAsync();
        var truncated = await GenerateAsync(lines, "camt.053", "truncated.xml", "truncated");
        var totals = await GenerateAsync(lines, "camt.054", "totals.xml", "wrong-totals");
        var entities = Path.Combine(folder, "entities.xml");
        await File.WriteAllTextAsync(entities, """
            <?xml version="1.0"?>
            <!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>&b;</BkToCstmrDbtCdtNtfctn></Document>
            """);
        var other = Path.Combine(folder, "other.xml");
        await File.WriteAllTextAsync(other, """<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf/></Document>""");
        // One entry nested ten thousand levels deep: it would exhaust the reader's stack, or its memory if it went on.
        var endless = Path.Combine(folder, "endless.xml");
        await File.WriteAllTextAsync(endless, """<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn><Ntfctn><Ntry>"""
            + string.Concat(Enumerable.Repeat("<NtryDtls>", 10_000)) + string.Concat(Enumerable.Repeat("</NtryDtls>", 10_000)) + "</Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>");
        var empty = Path.Combine(folder, "empty.xml");
        await File.WriteAllTextAsync(empty, """<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn><Ntfctn/></BkToCstmrDbtCdtNtfctn></Document>""");

        var cut = await Bri("disbursements", "confirm-file", truncated);
        var wrongTotals = await Bri("disbursements", "confirm-file", totals);
        var hostile = await Bri("disbursements", "confirm-file", entities);
        var notOurs = await Bri("disbursements", "confirm-file", other);
        var nothing = await Bri("disbursements", "confirm-file", empty);
        var deep = await Bri("disbursements", "confirm-file", endless);

        Assert.Equal(2, cut.ExitCode);
        Assert.Contains("the file breaks off or is not well-formed at line", cut.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.Contains($"after entry {Households / 2}", cut.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.Equal(2, wrongTotals.ExitCode);
        Assert.Contains($"TxsSummry/TtlNtries declares {Households + 1} entries; the file holds {Households}", wrongTotals.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        // A DTD (entities that would expand), another message, a file without a transaction: refused plainly, never a crash.
        Assert.Equal([2, 2, 2, 2], new[] { hostile.ExitCode, notOurs.ExitCode, nothing.ExitCode, deep.ExitCode });
        Assert.All(new[] { hostile, notOurs, nothing, deep }, refused => Assert.Contains("File refused", refused.Output, StringComparison.Ordinal));
        Assert.Contains("nests deeper than 24 levels", deep.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.Contains("pacs.008", notOurs.Output, StringComparison.Ordinal);
        Assert.Contains("holds no transaction", nothing.Output, StringComparison.Ordinal);
        Assert.All(await StewardLinesAsync(batch), line => Assert.Equal(0, line.ConfirmationsApplied));

        // Notifications in two blocks, each with its own summary: each block is checked against its own entries.
        var twoBlocks = await TwoNotificationsAsync(totals, "two-blocks.xml", secondSumOff: 0);
        var twoBlocksWrong = await TwoNotificationsAsync(totals, "two-blocks-wrong.xml", secondSumOff: 1_000);
        var blockWrong = await Bri("disbursements", "confirm-file", twoBlocksWrong);
        Assert.Equal(2, blockWrong.ExitCode);
        Assert.Contains("Ntfctn 2 TxsSummry/TtlNtries declares a sum of", blockWrong.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.DoesNotContain("Ntfctn 1", blockWrong.Output, StringComparison.Ordinal);
        Assert.All(await StewardLinesAsync(batch), line => Assert.Equal(0, line.ConfirmationsApplied));

        // With partial acceptance, the entries before the break are applied, and the rest said not to be.
        var partial = await Bri("disbursements", "confirm-file", truncated, "--partial");
        Assert.Contains($"Applied {Households / 2} entries", partial.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.Contains($"Entries after {Households / 2} were not read", partial.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.Equal(Households / 2, (await StewardLinesAsync(batch)).Count(line => line.ConfirmationsApplied == 1));

        // The right two-block file is taken whole: the rest applied now, the first half already was.
        var blocks = await Bri("disbursements", "confirm-file", twoBlocks);
        Assert.True(blocks.ExitCode == 0, blocks.Output + blocks.Error);
        Assert.Contains($"Applied {Households - Households / 2} entries, {Households / 2} already applied before; not applied: 0.", blocks.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
    }

    /// <summary>The generated camt.054's entries split into two notifications, each with its own true summary (the second's sum off when asked).</summary>
    private async Task<string> TwoNotificationsAsync(string generated, string name, long secondSumOff)
    {
        var document = System.Xml.Linq.XDocument.Load(generated);
        var ns = document.Root!.Name.Namespace;
        var first = document.Descendants(ns + "Ntfctn").Single();
        var entries = first.Elements(ns + "Ntry").ToList();
        var second = new System.Xml.Linq.XElement(first);
        second.Element(ns + "Id")!.Value = "BRI-NTF-2";
        second.Elements(ns + "Ntry").Remove();
        entries.Skip(entries.Count / 2).Remove();
        second.Add(entries.Skip(entries.Count / 2));
        foreach (var (block, sumOff) in new[] { (first, 0L), (second, secondSumOff) })
        {
            var held = block.Elements(ns + "Ntry").ToList();
            var summary = block.Element(ns + "TxsSummry")!.Element(ns + "TtlNtries")!;
            summary.Element(ns + "NbOfNtries")!.Value = held.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            summary.Element(ns + "Sum")!.Value = (held.Sum(entry => long.Parse(entry.Element(ns + "Amt")!.Value, System.Globalization.CultureInfo.InvariantCulture)) + sumOff).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        first.AddAfterSelf(second);
        var path = Path.Combine(folder, name);
        document.Save(path);
        return path;
    }

    private async Task<Batch> BatchAsync(string reference)
    {
        for (var index = 0; index < Households; index++)
        {
            await PaymentSteps.FundedAsync(Hub, Pki, 2000 + index, Pki.Bank);
        }

        return await PaymentSteps.SealedBatchAsync(Hub, Pki, PaymentSteps.Issue(reference, 3));
    }

    /// <summary>BRI's lines as the CLI writes them from its feed.</summary>
    private async Task<string> LinesCsvAsync()
    {
        var path = Path.Combine(folder, "lines.csv");
        var written = await Bri("disbursements", "lines", "--out", path);
        Assert.True(written.ExitCode == 0, written.Output + written.Error);
        Assert.Equal(Households + 1, (await File.ReadAllLinesAsync(path)).Length);
        return path;
    }

    private async Task<string> GenerateAsync(string lines, string format, string name, params string[] breaks)
    {
        var path = Path.Combine(folder, name);
        var generated = await InteropCli.RunAsync(["disbursements", "generate-file", "--lines", lines, "--format", format, "--out", path, .. breaks.SelectMany(how => new[] { "--break", how })]);
        Assert.True(generated.ExitCode == 0, generated.Output + generated.Error);
        return path;
    }

    private Task<(int ExitCode, string Output, string Error)> Bri(params string[] arguments) =>
        InteropCli.RunAsync([.. arguments, .. InteropCli.PartnerArguments(Hub, Pki, Pki.Bank, "bri", purpose: "disbursement-payment")]);

    private async Task<List<DisbursementLine>> StewardLinesAsync(Batch batch) =>
        [.. (await new DisbursementBatchService.DisbursementBatchServiceClient(Hub.Channel(Pki.Steward, purpose: "disbursement-issuing"))
            .ListBatchLinesAsync(new ListBatchLinesRequest { BatchId = batch.BatchId, PageSize = 100 })).Lines];
}
