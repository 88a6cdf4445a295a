using Google.Protobuf.WellKnownTypes;
using Interop.Hub.Registry;
using V2 = Interop.Contracts.Registry.V2;

namespace Interop.Hub.Grpc;

/// <summary>The register's households as interop.registry.v2 shows them: the same state v1 shows, shaped differently.</summary>
internal static class RegistryV2Mapping
{
    public static V2.Household ToProto(Household household)
    {
        var proto = new V2.Household
        {
            HouseholdId = household.Id.ToString(),
            Version = household.Version,
            Status = ByName<V2.HouseholdStatus>(household.Status),
            FamilyCardNumber = household.FamilyCardNumber,
            Location = LocationOf(household.VillageCode, household.AddressLine),
            Provenance = new V2.Provenance
            {
                ProposedByPartnerId = household.ProposedBy.PartnerId,
                ProposedByKind = ByName<V2.PartnerKind>(household.ProposedBy.Kind),
                PartnerReference = household.PartnerReference,
                CreateTime = Timestamp.FromDateTimeOffset(household.CreatedAt),
                UpdateTime = Timestamp.FromDateTimeOffset(household.UpdatedAt),
            },
            Links = new V2.Links
            {
                OpenConflictCaseId = household.OpenConflictCaseId?.ToString() ?? string.Empty,
                MergedIntoHouseholdId = household.MergedInto?.ToString() ?? string.Empty,
                MergedHouseholdIds = { household.MergedFrom.Select(id => id.ToString()) },
                PendingChangeCount = household.PendingChanges.Count,
            },
        };
        proto.Members.Add(household.Members.Select(member => new V2.Member
        {
            Identity = new V2.PersonIdentity
            {
                Nik = member.Nik,
                FullName = member.FullName,
                BirthDate = DateOf(member.BirthDate),
                Sex = ByName<V2.Sex>(member.Sex),
            },
            Relationship = ByName<V2.Relationship>(member.Relationship),
            DeathDate = household.Deaths.TryGetValue(member.Nik, out var died) ? DateOf(died) : null,
            IdentityStatus = ByName<V2.IdentityStatus>(household.IdentityOf(member)),
        }));
        proto.Programs.Add(household.Programs.Select(membership => new V2.ProgramMembership
        {
            Program = ByName<V2.Program>(membership.Program),
            Components = { membership.Components.Select(component => ByName<V2.PkhComponent>(component)) },
        }));
        return proto;
    }

    /// <summary>A dotted village code with the district, regency and province it belongs to.</summary>
    public static V2.Location LocationOf(string villageCode, string addressLine)
    {
        var parts = villageCode.Split('.');
        string Prefix(int count) => parts.Length >= count ? string.Join('.', parts.Take(count)) : string.Empty;
        return new V2.Location
        {
            VillageCode = villageCode,
            DistrictCode = Prefix(3),
            RegencyCode = Prefix(2),
            ProvinceCode = Prefix(1),
            AddressLine = addressLine,
        };
    }

    public static HouseholdStatus? ToDomain(V2.HouseholdStatus status) =>
        status == V2.HouseholdStatus.Unspecified ? null : ByName<HouseholdStatus>(status);

    public static SocialProgram ToDomain(V2.Program program) => ByName<SocialProgram>(program);

    /// <summary>v2's enums name the same values as the register's (a unit test holds them to it).</summary>
    internal static TOut ByName<TOut>(System.Enum value)
        where TOut : struct, System.Enum =>
        System.Enum.TryParse<TOut>(value.ToString(), out var mapped) ? mapped : default;

    private static Google.Type.Date DateOf(DateOnly date) => new() { Year = date.Year, Month = date.Month, Day = date.Day };
}
