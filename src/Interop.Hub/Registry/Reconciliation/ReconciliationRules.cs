using Interop.Hub.Partners;
using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.ReferenceData;

namespace Interop.Hub.Registry.Reconciliation;

/// <summary>One record of the civil registry's stream, as received.</summary>
internal abstract record CivilRecord(string Reference)
{
    /// <summary>What the civil registry knows about one person.</summary>
    public sealed record Person(string Reference, string Nik, string FullName, DateParts? BirthDate, string VillageCode, DateParts? DeathDate) : CivilRecord(Reference);

    public sealed record DeathNotice(string Reference, string Nik, DateParts? DeathDate, string CertificateNumber) : CivilRecord(Reference);

    /// <summary>The request named neither a person nor a death notice.</summary>
    public sealed record Missing(string Reference) : CivilRecord(Reference);
}

internal enum DiscrepancyKind
{
    NikUnknown = 1,
    Deceased = 2,
    DeceasedOnlyInRegister = 3,
    NameDiffers = 4,
    BirthDateDiffers = 5,
    OtherRegion = 6,
}

/// <summary>One difference between the register and the civil registry; the description never quotes personal data.</summary>
internal sealed record Discrepancy(DiscrepancyKind Kind, string Description);

/// <summary>Checks a civil-registry record and compares it with the register. Pure.</summary>
internal static class ReconciliationRules
{
    public const int MaxReferenceLength = 64;
    public const string DeathNoticeReason = "death notice from the civil registry";

    public static IReadOnlyList<FieldIssue> Check(CivilRecord record, RegionTable regions, DateOnly today)
    {
        var violations = new List<FieldIssue>();
        ProposalRules.CheckText(violations, "record_reference", record.Reference, MaxReferenceLength);
        switch (record)
        {
            case CivilRecord.Missing:
                violations.Add(new("record", "name a person or a death notice"));
                break;
            case CivilRecord.Person person:
                CheckNik(violations, "person.nik", person.Nik);
                ProposalRules.RequireText(violations, "person.full_name", person.FullName, ProposalRules.MaxNameLength);
                ProposalRules.CheckBirthDate(person.BirthDate, today, "person.birth_date", violations);
                if (person.VillageCode.Length > 0)
                {
                    ProposalRules.CheckVillage(person.VillageCode, regions, violations, "person.village_code");
                }

                if (person.DeathDate is not null)
                {
                    ProposalRules.CheckBirthDate(person.DeathDate, today, "person.death_date", violations);
                }

                break;
            case CivilRecord.DeathNotice notice:
                CheckNik(violations, "death_notice.nik", notice.Nik);
                ProposalRules.CheckBirthDate(notice.DeathDate, today, "death_notice.death_date", violations);
                ProposalRules.RequireText(violations, "death_notice.certificate_number", notice.CertificateNumber, ProposalRules.MaxEvidenceReferenceLength);
                break;
        }

        return violations;
    }

    /// <summary>What differs between the civil registry's view of a person and the household where the NIK is active.</summary>
    public static IReadOnlyList<Discrepancy> Compare(CivilRecord.Person person, Household household)
    {
        var member = household.Members.Single(m => m.Nik == person.Nik);
        var differences = new List<Discrepancy>();
        var diedInRegister = household.Deaths.ContainsKey(member.Nik);
        if (person.DeathDate is not null && !diedInRegister)
        {
            differences.Add(new(DiscrepancyKind.Deceased, "the civil registry records this person's death; the register does not (send a death notice to record it)"));
        }
        else if (person.DeathDate is null && diedInRegister)
        {
            differences.Add(new(DiscrepancyKind.DeceasedOnlyInRegister, "the register records this person's death; the civil registry does not"));
        }

        if (!PersonNames.Same(person.FullName, member.FullName))
        {
            differences.Add(new(DiscrepancyKind.NameDiffers, $"the names differ (similarity {PersonNames.Score(person.FullName, member.FullName):0.00})"));
        }

        if (person.BirthDate?.ToDate() != member.BirthDate)
        {
            differences.Add(new(DiscrepancyKind.BirthDateDiffers, "the birth dates differ"));
        }

        if (person.VillageCode.Length > 0 && RegencyOf(person.VillageCode) != RegencyOf(household.VillageCode))
        {
            differences.Add(new(DiscrepancyKind.OtherRegion, "the civil registry places this person in another regency than the register's household"));
        }

        return differences;
    }

    /// <summary>A death notice as the lifecycle step the civil registry would take on the household.</summary>
    public static ChangeHouseholdCommand AsRecordDeath(CivilRecord.DeathNotice notice, Household household, Actor actor) =>
        new(household.Id, household.Version, $"death-notice/{notice.Nik}", DeathNoticeReason, FreeText.Clean(notice.CertificateNumber), new HouseholdChange.RecordDeath(notice.Nik, notice.DeathDate), actor);

    private static string RegencyOf(string villageCode) => villageCode.Length >= 5 ? villageCode[..5] : villageCode;

    private static void CheckNik(List<FieldIssue> violations, string field, string nik)
    {
        if (!IdentityNumbers.IsSixteenDigits(nik))
        {
            violations.Add(new(field, nik.Length == 0 ? "is required" : "must be exactly 16 digits"));
        }
    }
}
