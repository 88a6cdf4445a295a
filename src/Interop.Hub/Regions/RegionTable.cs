using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace Interop.Hub.Regions;

/// <summary>
/// The official Kepmendagri region codes (data/wilayah.csv, see data/README.md for provenance),
/// loaded once and kept in memory: 91,599 codes take a few megabytes.
/// </summary>
internal sealed class RegionTable
{
    private readonly HashSet<string> villages;
    private readonly HashSet<string> districtsUndotted;

    private RegionTable(HashSet<string> villages, HashSet<string> districtsUndotted)
    {
        this.villages = villages;
        this.districtsUndotted = districtsUndotted;
    }

    public int VillageCount => villages.Count;

    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "data", "wilayah.csv");

    public static RegionTable Load(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = header => header.Header.ToLowerInvariant(),
        });
        var villages = new HashSet<string>(StringComparer.Ordinal);
        var districts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in csv.GetRecords<RegionRow>())
        {
            switch (row.Level)
            {
                case "village":
                    villages.Add(row.Code);
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

        return new RegionTable(villages, districts);
    }

    /// <summary>True for a village code in dotted form that is in the current table.</summary>
    public bool IsVillage(string dottedCode) => villages.Contains(dottedCode);

    /// <summary>True for a six-digit district code (the prefix of a NIK or KK number) in the current table.</summary>
    public bool IsDistrict(string undottedCode) => districtsUndotted.Contains(undottedCode);

    private sealed record RegionRow(string Code, string Name, string Level);
}
