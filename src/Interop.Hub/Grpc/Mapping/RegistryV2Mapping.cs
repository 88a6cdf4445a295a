using Google.Protobuf.WellKnownTypes;
using Interop.Hub.Registry;
using V2 = Interop.Contracts.Registry.V2;

namespace Interop.Hub.Grpc.Mapping;

/// <summary>The register's households as interop.registry.v2 shows them: the same state v1 shows, shaped differently.</summary>
internal static class RegistryV2Mapping
{
    public static V2.Household ToProto(Household household)
    {
        var proto = new V2.Household
        {
            HouseholdId = household.Id.ToString(),
            Version = household.Version,
            Status = WireEnum<V2.HouseholdStatus>.From(household.Status),
            FamilyCardNumber = household.FamilyCardNumber,
            Location = LocationOf(household.VillageCode, household.AddressLine),
            Provenance = new V2.Provenance
            {
                ProposedByPartnerId = household.ProposedBy.PartnerId,
                ProposedByKind = WireEnum<V2.PartnerKind>.From(household.ProposedBy.Kind),
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
                Sex = WireEnum<V2.Sex>.From(member.Sex),
            },
            Relationship = WireEnum<V2.Relationship>.From(member.Relationship),
            DeathDate = household.Deaths.TryGetValue(member.Nik, out var died) ? DateOf(died) : null,
            IdentityStatus = WireEnum<V2.IdentityStatus>.From(household.IdentityOf(member)),
        }));
        proto.Programs.Add(household.Programs.Select(membership => new V2.ProgramMembership
        {
            Program = WireEnum<V2.Program>.From(membership.Program),
            Components = { membership.Components.Select(component => WireEnum<V2.PkhComponent>.From(component)) },
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

    /// <summary>A status filter: none for UNSPECIFIED or a value this hub does not know (from a newer client).</summary>
    public static HouseholdStatus? ToDomain(V2.HouseholdStatus status) => WireEnum<HouseholdStatus>.FromDefined(status);

    public static SocialProgram ToDomain(V2.Program program) => WireEnum<SocialProgram>.From(program);

    private static Google.Type.Date DateOf(DateOnly date) => new() { Year = date.Year, Month = date.Month, Day = date.Day };
}
