using Google.Protobuf.WellKnownTypes;
using Interop.Hub.Grpc;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using V2 = Interop.Contracts.Registry.V2;

namespace Interop.UnitTests;

public sealed class ReadMaskTests
{
    private static V2.Household Full() => new()
    {
        HouseholdId = "h-1",
        Version = 3,
        Status = V2.HouseholdStatus.Active,
        FamilyCardNumber = "3273011001180001",
        Location = RegistryV2Mapping.LocationOf("32.73.01.1001", "Jl. Braga 1"),
        Members =
        {
            new V2.Member { Identity = new V2.PersonIdentity { Nik = "3273011203850001", FullName = "Budi Santoso" }, Relationship = V2.Relationship.Head },
            new V2.Member { Identity = new V2.PersonIdentity { Nik = "3273015506870001", FullName = "Siti Rahmawati" }, Relationship = V2.Relationship.Spouse },
        },
    };

    [Fact]
    public void An_empty_mask_keeps_the_whole_household()
    {
        var household = Full();

        ReadMask.Apply(new FieldMask(), household, "household_id");

        Assert.Equal(Full(), household);
    }

    [Fact]
    public void A_path_into_a_repeated_field_applies_to_every_element_and_drops_the_rest()
    {
        var household = Full();

        ReadMask.Apply(new FieldMask { Paths = { "members.relationship", "location.regency_code" } }, household, "household_id", "version");

        var expected = new V2.Household
        {
            HouseholdId = "h-1",
            Version = 3,
            Location = new V2.Location { RegencyCode = "32.73" },
            Members = { new V2.Member { Relationship = V2.Relationship.Head }, new V2.Member { Relationship = V2.Relationship.Spouse } },
        };
        Assert.Equal(expected, household);
    }

    [Fact]
    public void A_whole_field_wins_over_a_path_into_it()
    {
        var household = Full();

        ReadMask.Apply(new FieldMask { Paths = { "members.relationship", "members" } }, household);

        Assert.Equal(Full().Members, household.Members);
    }

    [Fact]
    public void Paths_naming_no_field_are_reported_by_position()
    {
        var mask = new FieldMask { Paths = { "status", "members.identity.shoe_size", "status.code", "planet" } };

        var issues = ReadMask.Check(mask, V2.Household.Descriptor, "read_mask");

        Assert.Equal(["read_mask.paths[1]", "read_mask.paths[2]", "read_mask.paths[3]"], issues.Select(issue => issue.Field));
        Assert.Empty(ReadMask.Check(new FieldMask { Paths = { "members.identity.nik", "provenance", "links.merged_household_ids" } }, V2.Household.Descriptor, "read_mask"));
    }

    [Fact]
    public void A_village_code_gives_its_district_regency_and_province()
    {
        var location = RegistryV2Mapping.LocationOf("32.73.01.1001", "Jl. Braga 1");

        Assert.Equal(("32.73.01", "32.73", "32"), (location.DistrictCode, location.RegencyCode, location.ProvinceCode));
    }
}
