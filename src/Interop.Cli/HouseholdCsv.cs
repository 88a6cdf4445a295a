using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using CsvHelper.Configuration.Attributes;
using Google.Type;
using Interop.Contracts.Registry.V1;

namespace Interop.Cli;

/// <summary>
/// The household file partners exchange with the CLI: one row per family-card member, the
/// household's own columns repeated on each of its rows, rows of one household next to each other.
/// </summary>
public static class HouseholdCsv
{
    private static readonly CsvConfiguration Configuration = new(CultureInfo.InvariantCulture) { MissingFieldFound = null, HeaderValidated = null };

    private static readonly string[] Columns =
        ["partner_reference", "family_card_number", "village_code", "address_line", "reason", "evidence_reference", "nik", "full_name", "birth_date", "sex", "relationship"];

    /// <summary>The columns a household repeats on each of its rows; they must agree.</summary>
    private static readonly string[] HouseholdColumns = ["family_card_number", "village_code", "address_line", "reason", "evidence_reference"];

    /// <summary>A file that cannot be read as households: the message names the file, the line and the problem (never a NIK or a name).</summary>
    public sealed class FileProblem(string message) : Exception(message);

    /// <summary>Reads and checks a whole file, strictly UTF-8; a <see cref="FileProblem"/> names the first bad line.</summary>
    public static List<(SubmitHouseholdsRequest Request, IReadOnlyList<int> Rows)> ReadFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var strict = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        try
        {
            // Line by line, so that bytes that are not UTF-8 are reported on their own line.
            var start = 0;
            for (var line = 1; start < bytes.Length; line++)
            {
                var end = Array.IndexOf(bytes, (byte)'\n', start);
                end = end < 0 ? bytes.Length : end + 1;
                try
                {
                    strict.GetCharCount(bytes, start, end - start);
                }
                catch (System.Text.DecoderFallbackException)
                {
                    throw new FileProblem($"line {line}: is not UTF-8 text (save the file as UTF-8)");
                }

                start = end;
            }

            using var reader = new StreamReader(new MemoryStream(bytes), strict);
            return Read(reader);
        }
        catch (FileProblem problem)
        {
            throw new FileProblem($"{Path.GetFileName(path)} {problem.Message}");
        }
    }

    /// <summary>
    /// Reads households in file order, each with the numbers of its rows (1 = first row after the
    /// header). Checks the file's shape first, so that nothing is sent from a broken file: the
    /// header's columns, each row's field count, dates written YYYY-MM-DD, known sexes and
    /// relationships, the rows of one household next to each other and agreeing on its columns.
    /// </summary>
    public static List<(SubmitHouseholdsRequest Request, IReadOnlyList<int> Rows)> Read(TextReader reader)
    {
        var households = new List<(SubmitHouseholdsRequest Request, IReadOnlyList<int> Rows)>();
        using var csv = new CsvReader(reader, Configuration);
        var line = 1;
        try
        {
            if (!csv.Read() || !csv.ReadHeader())
            {
                throw new FileProblem("line 1: the file is empty; the first line must be the header");
            }

            var missing = Columns.Where(column => !csv.HeaderRecord!.Contains(column, StringComparer.Ordinal)).ToList();
            if (missing.Count > 0)
            {
                throw new FileProblem($"line 1: the header lacks column(s) {string.Join(", ", missing)}");
            }

            SubmitHouseholdsRequest? current = null;
            var rows = new List<int>();
            var firstLineOf = new Dictionary<string, int>(StringComparer.Ordinal);
            var currentFirstLine = 0;
            var rowNumber = 0;
            while (csv.Read())
            {
                line = csv.Parser.RawRow;
                rowNumber++;
                if (csv.Parser.Count != csv.HeaderRecord!.Length)
                {
                    throw new FileProblem($"line {line}: has {csv.Parser.Count} fields, the header has {csv.HeaderRecord.Length} (a comma inside a field must be quoted)");
                }

                var row = csv.GetRecord<MemberRow>();
                if (row.PartnerReference.Trim().Length == 0)
                {
                    throw new FileProblem($"line {line}: partner_reference is empty");
                }

                if (current is null || row.PartnerReference != current.PartnerReference)
                {
                    if (firstLineOf.TryGetValue(row.PartnerReference, out var began))
                    {
                        throw new FileProblem($"line {line}: the rows of household {row.PartnerReference} are not next to each other (it began at line {began})");
                    }

                    if (current is not null)
                    {
                        households.Add((current, rows));
                    }

                    firstLineOf[row.PartnerReference] = currentFirstLine = line;
                    current = new SubmitHouseholdsRequest
                    {
                        PartnerReference = row.PartnerReference,
                        Reason = row.Reason,
                        EvidenceReference = row.EvidenceReference,
                        Household = new HouseholdProposal
                        {
                            FamilyCardNumber = row.FamilyCardNumber,
                            VillageCode = row.VillageCode,
                            AddressLine = row.AddressLine,
                        },
                    };
                    rows = [];
                }
                else if (HouseholdColumns.FirstOrDefault(column => csv.GetField(column) != HouseholdValue(current, column)) is { } differs)
                {
                    throw new FileProblem($"line {line}: {differs} differs from the first row of household {row.PartnerReference} (line {currentFirstLine})");
                }

                rows.Add(rowNumber);
                current.Household.Members.Add(new Member
                {
                    Nik = row.Nik,
                    FullName = row.FullName,
                    BirthDate = ParseDate(row.BirthDate) ?? throw new FileProblem($"line {line}: birth_date must be a date written YYYY-MM-DD"),
                    Sex = row.Sex.Trim().ToUpperInvariant() switch
                    {
                        "M" or "MALE" or "L" => Sex.Male,
                        "F" or "FEMALE" or "P" => Sex.Female,
                        _ => throw new FileProblem($"line {line}: sex must be M or F (L or P)"),
                    },
                    Relationship = RelationshipOf(row.Relationship)
                        ?? throw new FileProblem($"line {line}: relationship must be one of {string.Join(", ", Enum.GetValues<Relationship>().Skip(1).Select(RelationshipName))}"),
                });
            }

            if (current is not null)
            {
                households.Add((current, rows));
            }

            return households;
        }
        catch (CsvHelperException exception)
        {
            throw new FileProblem($"line {Math.Max(line, exception.Context?.Parser?.RawRow ?? line)}: is not well-formed CSV (a quote is not closed, or a quoted field is followed by other text)");
        }
    }

    private static string HouseholdValue(SubmitHouseholdsRequest household, string column) => column switch
    {
        "family_card_number" => household.Household.FamilyCardNumber,
        "village_code" => household.Household.VillageCode,
        "address_line" => household.Household.AddressLine,
        "reason" => household.Reason,
        _ => household.EvidenceReference,
    };

    /// <summary>CHILD_IN_LAW, child_in_law or ChildInLaw; never a number.</summary>
    private static Relationship? RelationshipOf(string value)
    {
        var compact = value.Trim().Replace("_", string.Empty, StringComparison.Ordinal);
        return compact.Length > 0 && !compact.All(char.IsAsciiDigit)
            && Enum.TryParse<Relationship>(compact, ignoreCase: true, out var relationship) && relationship != Relationship.Unspecified && Enum.IsDefined(relationship)
            ? relationship
            : null;
    }

    public static void Write(TextWriter writer, IEnumerable<SubmitHouseholdsRequest> households)
    {
        using var csv = new CsvWriter(writer, Configuration, leaveOpen: true);
        csv.WriteHeader<MemberRow>();
        csv.NextRecord();
        foreach (var request in households)
        {
            foreach (var member in request.Household.Members)
            {
                csv.WriteRecord(new MemberRow
                {
                    PartnerReference = request.PartnerReference,
                    FamilyCardNumber = request.Household.FamilyCardNumber,
                    VillageCode = request.Household.VillageCode,
                    AddressLine = request.Household.AddressLine,
                    Reason = request.Reason,
                    EvidenceReference = request.EvidenceReference,
                    Nik = member.Nik,
                    FullName = member.FullName,
                    BirthDate = $"{member.BirthDate.Year:D4}-{member.BirthDate.Month:D2}-{member.BirthDate.Day:D2}",
                    Sex = member.Sex == Sex.Female ? "F" : "M",
                    Relationship = RelationshipName(member.Relationship),
                });
                csv.NextRecord();
            }
        }
    }

    /// <summary>RELATIONSHIP_CHILD_IN_LAW is written CHILD_IN_LAW.</summary>
    public static string RelationshipName(Relationship relationship) =>
        relationship switch
        {
            Relationship.Head => "HEAD",
            Relationship.Spouse => "SPOUSE",
            Relationship.Child => "CHILD",
            Relationship.ChildInLaw => "CHILD_IN_LAW",
            Relationship.Grandchild => "GRANDCHILD",
            Relationship.Parent => "PARENT",
            Relationship.ParentInLaw => "PARENT_IN_LAW",
            Relationship.OtherRelative => "OTHER_RELATIVE",
            Relationship.HouseholdHelper => "HOUSEHOLD_HELPER",
            Relationship.Other => "OTHER",
            _ => string.Empty,
        };

    private static Date? ParseDate(string value) =>
        DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? new Date { Year = date.Year, Month = date.Month, Day = date.Day }
            : null;

    public sealed class MemberRow
    {
        [Name("partner_reference")]
        public string PartnerReference { get; set; } = string.Empty;

        [Name("family_card_number")]
        public string FamilyCardNumber { get; set; } = string.Empty;

        [Name("village_code")]
        public string VillageCode { get; set; } = string.Empty;

        [Name("address_line")]
        public string AddressLine { get; set; } = string.Empty;

        [Name("reason")]
        public string Reason { get; set; } = string.Empty;

        [Name("evidence_reference")]
        public string EvidenceReference { get; set; } = string.Empty;

        [Name("nik")]
        public string Nik { get; set; } = string.Empty;

        [Name("full_name")]
        public string FullName { get; set; } = string.Empty;

        [Name("birth_date")]
        public string BirthDate { get; set; } = string.Empty;

        [Name("sex")]
        public string Sex { get; set; } = string.Empty;

        [Name("relationship")]
        public string Relationship { get; set; } = string.Empty;
    }
}
