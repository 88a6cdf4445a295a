using Interop.Hub.Storage;
using Interop.Hub.Registry;

namespace Interop.UnitTests;

public sealed class NikRegistrationTests
{
    [Fact]
    public void A_screening_key_is_the_village_codes_digits_then_the_birth_date()
    {
        Assert.Equal(3273010001_19850312L, NikRegistration.KeyOf("32.73.01.0001", new DateOnly(1985, 3, 12)));
        Assert.Equal(9471040005_20241231L, NikRegistration.KeyOf("94.71.04.0005", new DateOnly(2024, 12, 31)));
    }

    [Fact]
    public void Another_village_or_another_day_gives_another_key()
    {
        var key = NikRegistration.KeyOf("32.73.01.0001", new DateOnly(1985, 3, 12));

        Assert.NotEqual(key, NikRegistration.KeyOf("32.73.01.0002", new DateOnly(1985, 3, 12)));
        Assert.NotEqual(key, NikRegistration.KeyOf("32.73.01.0001", new DateOnly(1985, 3, 13)));
        Assert.NotEqual(key, NikRegistration.KeyOf("32.73.01.0001", new DateOnly(1986, 3, 12)));
    }

    [Fact]
    public void A_village_code_with_anything_but_digits_and_dots_is_refused()
    {
        Assert.Throws<ArgumentException>(() => NikRegistration.KeyOf("32.73.01.000A", new DateOnly(1985, 3, 12)));
    }

    [Theory]
    [InlineData("3273014506850001")]
    [InlineData("0001014506850001")]
    public void A_nik_is_stored_as_a_number_and_read_back_with_its_leading_zeros(string nik)
    {
        Assert.Equal(nik, NikRegistration.TextOf(NikRegistration.NumberOf(nik)));
    }
}
