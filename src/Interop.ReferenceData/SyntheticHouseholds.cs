using Google.Type;
using Interop.Contracts.Registry.V1;

namespace Interop.ReferenceData;

/// <summary>
/// Realistic, deterministic, entirely synthetic households: the same seed and settings always give
/// the same households. Family cards look like real ones (a head, usually a spouse, children born
/// to plausible parents, sometimes an elderly parent), villages come from the official table, and
/// NIKs agree with each person's birth date, sex and district; no two people share a NIK.
/// </summary>
public sealed class SyntheticHouseholds
{
    /// <summary>Ages are computed against a fixed day so that output never depends on when it runs.</summary>
    public static readonly DateOnly ReferenceDay = new(2026, 1, 1);

    private static readonly string[] MaleGivenNames =
    [
        "Budi", "Agus", "Ahmad", "Andi", "Bambang", "Dedi", "Eko", "Fajar", "Hadi", "Hendra", "Irfan", "Joko", "Rudi",
        "Slamet", "Sutrisno", "Wahyu", "Yusuf", "Asep", "Ujang", "Dadang", "Rizky", "Muhammad", "Arif", "Dimas", "Bayu",
        "Teguh", "Iwan", "Supriyadi", "Hasan", "Rahmat", "Imam", "Yoga", "Galih", "Cecep", "Komang", "Made", "Putu",
    ];

    private static readonly string[] FemaleGivenNames =
    [
        "Siti", "Sri", "Dewi", "Ani", "Nur", "Rina", "Yuni", "Fitri", "Ratna", "Eka", "Dwi", "Endang", "Kartini", "Nurul",
        "Ayu", "Putri", "Indah", "Rini", "Sari", "Neneng", "Euis", "Tuti", "Aisyah", "Intan", "Mega", "Wulan", "Ningsih",
        "Yanti", "Lina", "Maya", "Ida", "Nining", "Ketut", "Wayan",
    ];

    private static readonly string[] MaleSecondNames =
    [
        "Hidayat", "Saputra", "Pratama", "Setiawan", "Kurniawan", "Nugroho", "Permana", "Gunawan", "Hermawan", "Maulana",
        "Firmansyah", "Ramadhan", "Hakim", "Syahputra", "Wijaya", "Santoso", "Susilo", "Prasetyo", "Hidayatullah",
    ];

    private static readonly string[] FemaleSecondNames =
    [
        "Rahmawati", "Susanti", "Suryani", "Handayani", "Wahyuni", "Sulistyowati", "Lestari", "Purnamasari", "Anggraini",
        "Safitri", "Maharani", "Puspitasari", "Kusumawati", "Rohmah", "Fauziah",
    ];

    private static readonly string[] Streets =
    [
        "Merdeka", "Sudirman", "Diponegoro", "Gatot Subroto", "Ahmad Yani", "Pahlawan", "Kenanga", "Melati", "Mawar",
        "Cempaka", "Flamboyan", "Anggrek", "Veteran", "Siliwangi", "Pemuda", "Kartini", "Cendana", "Nusantara",
    ];

    private readonly Random random;
    private readonly RegionTable regions;
    private readonly IReadOnlyList<string> villages;
    private readonly string referencePrefix;
    private readonly Dictionary<long, int> serials = [];
    private int produced;

    /// <param name="seed">Same seed, same households.</param>
    /// <param name="regions">The official region table.</param>
    /// <param name="areaPrefix">Dotted region prefix the villages are drawn from ("32.73"); empty for the whole country.</param>
    /// <param name="referencePrefix">Prefix of the partner references ("BDG-"), followed by a running number.</param>
    public SyntheticHouseholds(int seed, RegionTable regions, string areaPrefix = "", string referencePrefix = "SYN-")
    {
        random = new Random(seed);
        this.regions = regions;
        this.referencePrefix = referencePrefix;
        villages = areaPrefix.Length == 0
            ? regions.Villages
            : regions.Villages.Where(code => code.StartsWith(areaPrefix + ".", StringComparison.Ordinal) || code == areaPrefix).ToList();
        if (villages.Count == 0)
        {
            throw new ArgumentException($"No village of the region table lies in {areaPrefix}.", nameof(areaPrefix));
        }
    }

    /// <summary>The next <paramref name="count"/> households.</summary>
    public IEnumerable<SubmitHouseholdsRequest> Take(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return Next();
        }
    }

    public SubmitHouseholdsRequest Next()
    {
        produced++;
        var village = villages[random.Next(villages.Count)];
        var district = village[..8].Replace(".", string.Empty, StringComparison.Ordinal);
        var household = new HouseholdProposal
        {
            VillageCode = village,
            AddressLine = $"Jl. {Pick(Streets)} No. {random.Next(1, 200)} RT {random.Next(1, 16):D2}/RW {random.Next(1, 13):D2}, {regions.VillageName(village)}",
            FamilyCardNumber = Number(district, RandomDate(new DateOnly(2005, 1, 1), new DateOnly(2025, 12, 31)), Sex.Unspecified),
        };
        foreach (var member in Family(district))
        {
            household.Members.Add(member);
        }

        return new SubmitHouseholdsRequest
        {
            PartnerReference = $"{referencePrefix}{produced:D7}",
            Household = household,
            Reason = "synthetic household for testing and demonstration",
            EvidenceReference = $"SYNTHETIC-{produced:D7}",
        };
    }

    private List<Member> Family(string district)
    {
        var members = new List<Member>();
        var headIsMale = random.NextDouble() < 0.75;
        var headAge = random.Next(22, 76);
        var head = Person(district, headIsMale ? Sex.Male : Sex.Female, headAge, Relationship.Head);
        members.Add(head);
        var hasSpouse = headAge < 70 ? random.NextDouble() < 0.82 : random.NextDouble() < 0.5;
        var motherAge = headAge;
        if (hasSpouse)
        {
            var spouseAge = Math.Clamp(headAge + (headIsMale ? -random.Next(0, 8) : random.Next(0, 8)), 18, 90);
            members.Add(Person(district, headIsMale ? Sex.Female : Sex.Male, spouseAge, Relationship.Spouse));
            motherAge = headIsMale ? spouseAge : headAge;
        }

        // Children born while the mother was 19 to 42, none older than 30, at most five.
        var children = random.Next(0, 6);
        for (var i = 0; i < children; i++)
        {
            var oldest = Math.Min(motherAge - 19, 30);
            var youngest = Math.Max(motherAge - 42, 0);
            if (oldest < youngest)
            {
                break;
            }

            members.Add(Person(district, random.Next(2) == 0 ? Sex.Male : Sex.Female, random.Next(youngest, oldest + 1), Relationship.Child));
        }

        if (headAge < 55 && random.NextDouble() < 0.12)
        {
            members.Add(Person(district, random.NextDouble() < 0.7 ? Sex.Female : Sex.Male, Math.Min(headAge + random.Next(22, 35), 95), Relationship.Parent));
        }

        return members;
    }

    private Member Person(string district, Sex sex, int age, Relationship relationship)
    {
        var latest = ReferenceDay.AddYears(-age).AddDays(-1);
        var birth = RandomDate(latest.AddYears(-1).AddDays(1), latest);
        var male = sex == Sex.Male;
        var given = Pick(male ? MaleGivenNames : FemaleGivenNames);
        var name = random.NextDouble() < 0.3 ? given : $"{given} {Pick(male ? MaleSecondNames : FemaleSecondNames)}";
        return new Member
        {
            Nik = Number(district, birth, sex),
            FullName = name,
            BirthDate = new Date { Year = birth.Year, Month = birth.Month, Day = birth.Day },
            Sex = sex,
            Relationship = relationship,
        };
    }

    /// <summary>PPRRDD DDMMYY SSSS with 40 added to a woman's day; the serial makes each number unique.</summary>
    private string Number(string district, DateOnly date, Sex sex)
    {
        var day = date.Day + (sex == Sex.Female ? 40 : 0);
        var prefix = $"{district}{day:D2}{date.Month:D2}{date.Year % 100:D2}";
        var key = long.Parse(prefix, System.Globalization.CultureInfo.InvariantCulture) * 10 + (sex == Sex.Unspecified ? 1 : 0);
        var serial = serials.TryGetValue(key, out var last) ? last + 1 : 1;
        if (serial > 9999)
        {
            throw new InvalidOperationException("More than 9,999 numbers for one district and day: generate over a wider area.");
        }

        serials[key] = serial;
        return $"{prefix}{serial:D4}";
    }

    private DateOnly RandomDate(DateOnly from, DateOnly to) => from.AddDays(random.Next(to.DayNumber - from.DayNumber + 1));

    private string Pick(string[] values) => values[random.Next(values.Length)];
}
