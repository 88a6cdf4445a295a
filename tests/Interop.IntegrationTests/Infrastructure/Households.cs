using Google.Type;
using Interop.Contracts.Registry.V1;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>Synthetic households of Kota Bandung (32.73) for the tests; no real person's data.</summary>
public static class Households
{
    /// <summary>
    /// A valid two-member household. The serial varies the NIKs and the birth dates (encoded in the
    /// NIKs), so that households of different serials never share a NIK nor look like duplicates of
    /// each other although they live in one village under the same names.
    /// </summary>
    public static SubmitHouseholdsRequest Valid(string reference, int serial = 1)
    {
        var headBirth = new DateOnly(1980, 1, 1).AddDays(serial % 7000);
        var childBirth = new DateOnly(2010, 1, 1).AddDays(serial % 5000);
        return new()
        {
            PartnerReference = reference,
            Reason = "new registration from the 2026 village survey",
            EvidenceReference = $"SURVEY-2026-{serial:D5}",
            Household = new HouseholdProposal
            {
                FamilyCardNumber = $"327301010120{serial % 10000:D4}",
                VillageCode = "32.73.01.1002",
                AddressLine = $"Jl. Gegerkalong Hilir No. {serial} RT 02/RW 07",
                Members =
                {
                    new Member
                    {
                        Nik = Nik(headBirth, female: true, serial),
                        FullName = "Siti Rahmawati",
                        BirthDate = ToDate(headBirth),
                        Sex = Sex.Female,
                        Relationship = Relationship.Head,
                    },
                    new Member
                    {
                        Nik = Nik(childBirth, female: false, serial),
                        FullName = "Rizky Pratama",
                        BirthDate = ToDate(childBirth),
                        Sex = Sex.Male,
                        Relationship = Relationship.Child,
                    },
                },
            },
        };
    }

    /// <summary>A NIK of district 32.73.01 for that birth date and sex (day plus 40 for women).</summary>
    public static string Nik(DateOnly birthDate, bool female, int serial) =>
        $"327301{birthDate.Day + (female ? 40 : 0):D2}{birthDate.Month:D2}{birthDate.Year % 100:D2}{1 + (serial % 9999):D4}";

    public static Date ToDate(DateOnly date) => new() { Year = date.Year, Month = date.Month, Day = date.Day };
}
