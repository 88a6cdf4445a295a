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

    /// <summary>Reads households in file order, each with the numbers of its rows (1 = first row after the header).</summary>
    public static IEnumerable<(SubmitHouseholdsRequest Request, IReadOnlyList<int> Rows)> Read(TextReader reader)
    {
        using var csv = new CsvReader(reader, Configuration);
        SubmitHouseholdsRequest? current = null;
        var rows = new List<int>();
        var rowNumber = 0;
        foreach (var row in csv.GetRecords<MemberRow>())
        {
            rowNumber++;
            if (current is null || row.PartnerReference != current.PartnerReference)
            {
                if (current is not null)
                {
                    yield return (current, rows);
                }

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

            rows.Add(rowNumber);
            current.Household.Members.Add(new Member
            {
                Nik = row.Nik,
                FullName = row.FullName,
                BirthDate = ParseDate(row.BirthDate),
                Sex = row.Sex.Trim().ToUpperInvariant() switch
                {
                    "M" or "MALE" or "L" => Sex.Male,
                    "F" or "FEMALE" or "P" => Sex.Female,
                    _ => Sex.Unspecified,
                },
                Relationship = Enum.TryParse<Relationship>(row.Relationship.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var relationship)
                    ? relationship
                    : Relationship.Unspecified,
            });
        }

        if (current is not null)
        {
            yield return (current, rows);
        }
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
            : value.Trim().Length == 0 ? null : new Date();

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
