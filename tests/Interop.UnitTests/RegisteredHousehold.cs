using Interop.Hub.Partners;
using Interop.Hub.Registry;

namespace Interop.UnitTests;

/// <summary>A ratified one-member household in Kota Bandung, for rules that read a household's state.</summary>
internal static class RegisteredHousehold
{
    public static readonly Household Active = new(
        Guid.NewGuid(),
        4,
        HouseholdStatus.Active,
        "3273010101200001",
        "32.73.01.1001",
        "Jl. Sukarasa No. 12",
        [new HouseholdMember("3273014507900001", "Siti Rahmawati", new DateOnly(1990, 7, 5), Sex.Female, Relationship.Head)],
        new Actor("dinsos-kota-bandung", PartnerKind.LocalGovernment),
        "BDG-1",
        DateTimeOffset.UnixEpoch,
        DateTimeOffset.UnixEpoch)
    {
        Confirmed = [new ConfirmedPerson("3273014507900001", "Siti Rahmawati", new DateOnly(1990, 7, 5), Sex.Female)],
    };
}
