using Interop.Hub.Registry;

namespace Interop.UnitTests;

/// <summary>A household lists its members' NIKs among its search terms only while it does not hold them (registration finds the others).</summary>
public sealed class SearchTermsTests
{
    private static readonly Household Active = RegisteredHousehold.Active;

    [Fact]
    public void An_open_household_holding_its_niks_has_only_its_programs_as_terms()
    {
        Assert.Empty(Active.SearchTerms);
        Assert.Equal(["program:Bpnt"], (Active with { Programs = [new ProgramMembership(SocialProgram.Bpnt, [])] }).SearchTerms);
    }

    [Theory]
    [InlineData("Proposed", true)]
    [InlineData("Deactivated", false)]
    [InlineData("Rejected", false)]
    [InlineData("Merged", false)]
    public void A_household_held_in_a_nik_conflict_or_closed_lists_its_members_niks(string status, bool held)
    {
        var household = Active with { Status = Enum.Parse<HouseholdStatus>(status), HeldForNikConflict = held };

        Assert.False(household.HoldsMemberNiks);
        Assert.Equal(["nik:3273014507900001"], household.SearchTerms);
    }
}
