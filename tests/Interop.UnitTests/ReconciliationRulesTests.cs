using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Registry.Reconciliation;

namespace Interop.UnitTests;

/// <summary>Comparing the civil registry's view of a person with the register.</summary>
public sealed class ReconciliationRulesTests
{
    private static readonly Household Registered = RegisteredHousehold.Active;

    [Theory]
    [InlineData("Siti Rahmawati")]
    [InlineData("  SITI   rahmawati. ")]
    [InlineData("Siti-Rahmawati")]
    public void Case_spacing_and_punctuation_are_not_differences(string name)
    {
        Assert.Empty(ReconciliationRules.Compare(Person(name, new DateParts(1990, 7, 5), "32.73.05.1001"), Registered));
    }

    [Fact]
    public void A_spelling_variant_another_birth_date_another_regency_and_a_death_are_each_named()
    {
        var person = Person("Siti Rachmawati", new DateParts(1990, 7, 6), "33.74.01.1001", new DateParts(2026, 1, 1));

        var differences = ReconciliationRules.Compare(person, Registered);

        Assert.Equal(
            [DiscrepancyKind.Deceased, DiscrepancyKind.NameDiffers, DiscrepancyKind.BirthDateDiffers, DiscrepancyKind.OtherRegion],
            differences.Select(d => d.Kind));
        Assert.Contains("similarity 0.9", differences[1].Description, StringComparison.Ordinal);
        Assert.All(differences, d => Assert.DoesNotContain("Rachmawati", d.Description, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_death_only_the_register_knows_is_named_too()
    {
        var died = Registered with { Deaths = new Dictionary<string, DateOnly> { ["3273014507900001"] = new(2026, 1, 1) } };

        Assert.Equal([DiscrepancyKind.DeceasedOnlyInRegister], ReconciliationRules.Compare(Person("Siti Rahmawati", new DateParts(1990, 7, 5), ""), died).Select(d => d.Kind));
    }

    private static CivilRecord.Person Person(string name, DateParts birth, string village, DateParts? death = null) =>
        new("R-1", "3273014507900001", name, birth, village, death);
}
