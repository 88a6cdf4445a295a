using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.Conflicts;

namespace Interop.UnitTests;

/// <summary>Which registered people a proposal's members likely duplicate, and why.</summary>
public sealed class LikelyDuplicatesTests
{
    private static readonly Guid Other = Guid.NewGuid();
    private static readonly HouseholdMember Registered = new("3273014507900001", "Siti Rahmawati", new DateOnly(1990, 7, 5), Sex.Female, Relationship.Head);

    [Theory]
    [InlineData("Siti Rachmawati", true)]
    [InlineData("Siti Rahmawaty", true)]
    [InlineData("SITI  RAHMAWATI", true)]
    [InlineData("Siti Aminah", false)]
    [InlineData("Dewi Lestari", false)]
    public void A_name_spelled_slightly_differently_is_likely_the_same_person_and_another_name_is_not(string name, bool flagged)
    {
        var finding = LikelyDuplicates.Find(Proposal(Registered with { Nik = "3273014507900002", FullName = name }), [new(Other, "32.73.01.1001", Registered)]);

        Assert.Equal(flagged, finding is not null);
    }

    [Fact]
    public void Another_village_birth_date_or_sex_or_the_same_nik_is_not_a_likely_duplicate()
    {
        var lookalike = Registered with { Nik = "3273014507900002" };

        Assert.Null(LikelyDuplicates.Find(Proposal(lookalike), [new(Other, "32.73.01.1002", Registered)]));
        Assert.Null(LikelyDuplicates.Find(Proposal(lookalike with { BirthDate = new DateOnly(1990, 7, 6) }), [new(Other, "32.73.01.1001", Registered)]));
        Assert.Null(LikelyDuplicates.Find(Proposal(lookalike with { Sex = Sex.Male }), [new(Other, "32.73.01.1001", Registered)]));
        Assert.Null(LikelyDuplicates.Find(Proposal(Registered), [new(Other, "32.73.01.1001", Registered)]));
    }

    [Fact]
    public void A_finding_names_the_other_household_the_matching_nik_the_best_score_and_a_reason_without_personal_data()
    {
        var proposed = Registered with { Nik = "3273014507900002", FullName = "Siti Rachmawati" };

        var finding = LikelyDuplicates.Find(Proposal(proposed), [new(Other, "32.73.01.1001", Registered)])!;

        Assert.Equal([Other], finding.OtherHouseholdIds);
        Assert.Equal(["3273014507900002"], finding.Niks);
        Assert.InRange(finding.Score, LikelyDuplicates.MinimumNameSimilarity, 0.999);
        Assert.Equal($"members[0] and a member of household {Other}: same village, birth date and sex, names {finding.Score:0.00} alike, another NIK", Assert.Single(finding.Reasons));
    }

    private static HouseholdProposed Proposal(HouseholdMember member) =>
        new("REF-1", "3273010101200001", "32.73.01.1001", "Jl. Sukarasa 1", [member], new Actor("dinsos-kota-bandung", PartnerKind.LocalGovernment), "survey", null);
}
