namespace Interop.Hub.Registry.ProposeHousehold;

/// <summary>
/// The structure of the 16-digit numbers on a family card. A NIK is PPRRDD DDMMYY SSSS: district
/// of issue, birth date with 40 added to the day for women, and a serial. A KK number shares the
/// district prefix and serial layout.
/// </summary>
internal static class IdentityNumbers
{
    public const int Length = 16;

    public static bool IsSixteenDigits(string value) => value.Length == Length && value.All(char.IsAsciiDigit);

    public static string DistrictPrefix(string number) => number[..6];

    public static bool HasZeroSerial(string number) => number.AsSpan(12, 4).SequenceEqual("0000");

    /// <summary>Reads the birth date and sex encoded in a 16-digit NIK, or null when they are impossible.</summary>
    public static EncodedBirth? ReadBirth(string nik)
    {
        var day = Number(nik, 6);
        var month = Number(nik, 8);
        var twoDigitYear = Number(nik, 10);
        var sex = day > 40 ? Sex.Female : Sex.Male;
        if (sex == Sex.Female)
        {
            day -= 40;
        }

        if (day < 1 || month is < 1 or > 12)
        {
            return null;
        }

        // The century is not encoded: the date is possible if it exists in either the 1900s or the 2000s.
        var possible = day <= DateTime.DaysInMonth(1900 + twoDigitYear, month)
            || day <= DateTime.DaysInMonth(2000 + twoDigitYear, month);
        return possible ? new EncodedBirth(day, month, twoDigitYear, sex) : null;
    }

    private static int Number(string value, int start) => ((value[start] - '0') * 10) + (value[start + 1] - '0');
}

internal readonly record struct EncodedBirth(int Day, int Month, int TwoDigitYear, Sex Sex)
{
    public bool Matches(DateOnly birthDate) =>
        birthDate.Day == Day && birthDate.Month == Month && birthDate.Year % 100 == TwoDigitYear;
}
