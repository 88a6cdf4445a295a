using Google.Type;
using Interop.Contracts.Registry.V1;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>Synthetic households of Kota Bandung (32.73) for the tests; no real person's data.</summary>
public static class Households
{
    /// <summary>A valid two-member household; the serial varies the NIKs so that households never share one.</summary>
    public static SubmitHouseholdsRequest Valid(string reference, int serial = 1) =>
        new()
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
                        Nik = $"327301450790{serial % 10000:D4}",
                        FullName = "Siti Rahmawati",
                        BirthDate = new Date { Year = 1990, Month = 7, Day = 5 },
                        Sex = Sex.Female,
                        Relationship = Relationship.Head,
                    },
                    new Member
                    {
                        Nik = $"327301120315{serial % 10000:D4}",
                        FullName = "Rizky Pratama",
                        BirthDate = new Date { Year = 2015, Month = 3, Day = 12 },
                        Sex = Sex.Male,
                        Relationship = Relationship.Child,
                    },
                },
            },
        };
}
