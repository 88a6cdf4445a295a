using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace Interop.ReferenceData;

/// <summary>
/// The official Kepmendagri region codes (data/wilayah.csv, see data/README.md for provenance),
/// loaded once and kept in memory: 91,599 codes take a few megabytes.
/// </summary>
public sealed class RegionTable
{
    private readonly Dictionary<string, string> villageNames;
    private readonly HashSet<string> districtsUndotted;
    private readonly HashSet<string> regions;

    private RegionTable(List<string> villages, Dictionary<string, string> villageNames, HashSet<string> districtsUndotted, HashSet<string> regions)
    {
        Villages = villages;
        this.villageNames = villageNames;
        this.districtsUndotted = districtsUndotted;
        this.regions = regions;
    }

    /// <summary>Every village code in dotted form, in the table's order.</summary>
    public IReadOnlyList<string> Villages { get; }

    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "data", "wilayah.csv");

    public static RegionTable Load(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = header => header.Header.ToLowerInvariant(),
        });
        var villages = new List<string>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var districts = new HashSet<string>(StringComparer.Ordinal);
        var regions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in csv.GetRecords<RegionRow>())
        {
            regions.Add(row.Code);
            switch (row.Level)
            {
                case "village":
                    villages.Add(row.Code);
                    names[row.Code] = row.Name;
                    break;
                case "district":
                    districts.Add(row.Code.Replace(".", string.Empty, StringComparison.Ordinal));
                    break;
            }
        }

        if (villages.Count == 0 || districts.Count == 0)
        {
            throw new InvalidDataException($"The region table at {path} holds no villages or no districts.");
        }

        return new RegionTable(villages, names, districts, regions);
    }

    /// <summary>True for a village code in dotted form that is in the current table.</summary>
    public bool IsVillage(string dottedCode) => villageNames.ContainsKey(dottedCode);

    /// <summary>True for a province, regency, district or village code in dotted form that is in the current table.</summary>
    public bool IsRegion(string dottedCode) => regions.Contains(dottedCode);

    /// <summary>The official name of a village, by its dotted code.</summary>
    public string VillageName(string dottedCode) => villageNames[dottedCode];

    /// <summary>True for a six-digit district code (the prefix of a NIK or KK number) in the current table.</summary>
    public bool IsDistrict(string undottedCode) => districtsUndotted.Contains(undottedCode);

    private sealed record RegionRow(string Code, string Name, string Level);
}
