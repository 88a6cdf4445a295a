using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.UnitTests;

public sealed class IdentityNumberTests
{
    [Fact]
    public void A_womans_nik_carries_her_birth_date_with_forty_added_to_the_day()
    {
        var birth = IdentityNumbers.ReadBirth("3273014507900001");

        Assert.Equal(new EncodedBirth(5, 7, 90, Sex.Female), birth);
        Assert.True(birth!.Value.Matches(new DateOnly(1990, 7, 5)));
        Assert.False(birth.Value.Matches(new DateOnly(1991, 7, 5)));
    }

    [Fact]
    public void A_mans_nik_carries_his_birth_day_unchanged()
    {
        Assert.Equal(new EncodedBirth(31, 12, 1, Sex.Male), IdentityNumbers.ReadBirth("3273013112010002"));
    }

    [Theory]
    [InlineData("3273013202900001")] // 32 February
    [InlineData("3273010013900001")] // month 13
    [InlineData("3273010007900001")] // day 0
    [InlineData("3273013507900001")] // day 35: neither a man's day nor a woman's day plus 40
    [InlineData("3273017207900001")] // day 72: a woman's day 32
    [InlineData("3273012902010001")] // 29 February 1901 and 2001: neither is a leap year
    public void An_impossible_birth_date_part_makes_the_nik_invalid(string nik)
    {
        Assert.Null(IdentityNumbers.ReadBirth(nik));
    }

    [Fact]
    public void The_29th_of_February_is_possible_when_either_century_makes_it_a_leap_year()
    {
        Assert.NotNull(IdentityNumbers.ReadBirth("3273012902000001"));
        Assert.NotNull(IdentityNumbers.ReadBirth("3273016902960001"));
    }

    [Theory]
    [InlineData("327301450790000", false)]
    [InlineData("32730145079000011", false)]
    [InlineData("32730145079O0001", false)]
    [InlineData("３２７３０１４５０７９００００１", false)]
    [InlineData("3273014507900001", true)]
    public void Only_sixteen_ascii_digits_are_a_number(string value, bool expected)
    {
        Assert.Equal(expected, IdentityNumbers.IsSixteenDigits(value));
    }
}
