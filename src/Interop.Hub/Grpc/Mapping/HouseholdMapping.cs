using Google.Protobuf.WellKnownTypes;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.Conflicts;
using V1 = Interop.Contracts.Registry.V1;

namespace Interop.Hub.Grpc.Mapping;

/// <summary>The register's state (households, conflict cases) as v1 shows it.</summary>
internal static class HouseholdMapping
{
    public static V1.Household ToProto(Household household)
    {
        var proto = new V1.Household
        {
            HouseholdId = household.Id.ToString(),
            Version = household.Version,
            Status = WireEnum<V1.HouseholdStatus>.From(household.Status),
            OpenConflictCaseId = household.OpenConflictCaseId?.ToString() ?? string.Empty,
            MergedIntoHouseholdId = household.MergedInto?.ToString() ?? string.Empty,
            FamilyCardNumber = household.FamilyCardNumber,
            VillageCode = household.VillageCode,
            AddressLine = household.AddressLine,
            ProposedBy = ToProto(household.ProposedBy),
            PartnerReference = household.PartnerReference,
            CreateTime = Timestamp.FromDateTimeOffset(household.CreatedAt),
            UpdateTime = Timestamp.FromDateTimeOffset(household.UpdatedAt),
        };
        proto.Members.Add(household.Members.Select(member =>
        {
            var wire = ToProto(member);
            wire.IdentityStatus = WireEnum<V1.IdentityStatus>.From(household.IdentityOf(member));
            if (household.Deaths.TryGetValue(member.Nik, out var died))
            {
                wire.DeathDate = ToProto(died);
            }

            return wire;
        }));
        proto.Programs.Add(household.Programs.Select(ToProto));
        proto.MergedHouseholdIds.Add(household.MergedFrom.Select(id => id.ToString()));
        proto.PendingChanges.Add(household.PendingChanges.Select(ToProto));
        return proto;
    }

    public static V1.PendingChange ToProto(PendingChange pending)
    {
        var effect = pending.Effect;
        var proto = new V1.PendingChange
        {
            ChangeId = pending.ChangeId.ToString(),
            RequestedBy = ToProto(effect.Actor),
            RequestTime = Timestamp.FromDateTimeOffset(pending.RequestedAt),
            Reason = effect.Reason,
            EvidenceReference = effect.EvidenceReference ?? string.Empty,
        };
        switch (effect)
        {
            case MemberAdded added:
                proto.AddMember = new V1.AddMember { Member = ToProto(added.Member) };
                break;
            case MemberRemoved removed:
                proto.RemoveMember = new V1.RemoveMember { Nik = removed.Nik };
                break;
            case AddressChanged moved:
                proto.ChangeAddress = new V1.ChangeAddress { VillageCode = moved.VillageCode, AddressLine = moved.AddressLine };
                break;
            case MemberDied died:
                proto.RecordDeath = new V1.RecordDeath { Nik = died.Nik, DeathDate = ToProto(died.DeathDate) };
                break;
        }

        return proto;
    }


    public static V1.ConflictCase ToProto(ConflictCase conflict)
    {
        var proto = new V1.ConflictCase
        {
            ConflictCaseId = conflict.Id.ToString(),
            Status = conflict.IsOpen ? V1.ConflictCaseStatus.Open : V1.ConflictCaseStatus.Resolved,
            ProposedHouseholdId = conflict.ProposedHouseholdId.ToString(),
            Resolution = WireEnum<V1.ConflictResolution>.From(conflict.Resolution),
            ResolvedBy = conflict.ResolvedBy is { } actor ? ToProto(actor) : null,
            ResolutionReason = conflict.ResolutionReason ?? string.Empty,
            OpenTime = Timestamp.FromDateTimeOffset(conflict.OpenedAt),
            Kind = WireEnum<V1.ConflictKind>.From(conflict.Kind),
            Score = conflict.Score,
        };
        proto.Reasons.Add(conflict.Reasons);
        proto.ExistingHouseholdIds.Add(conflict.ExistingHouseholdIds.Select(id => id.ToString()));
        proto.Niks.Add(conflict.Niks);
        return proto;
    }

    public static Google.Type.Date ToProto(DateOnly date) => new() { Year = date.Year, Month = date.Month, Day = date.Day };

    public static V1.ProgramMembership ToProto(ProgramMembership membership)
    {
        var proto = new V1.ProgramMembership { Program = WireEnum<V1.Program>.From(membership.Program) };
        proto.Components.Add(membership.Components.Select(component => WireEnum<V1.PkhComponent>.From(component)));
        return proto;
    }

    public static V1.Member ToProto(HouseholdMember member) =>
        new()
        {
            Nik = member.Nik,
            FullName = member.FullName,
            BirthDate = ToProto(member.BirthDate),
            Sex = WireEnum<V1.Sex>.From(member.Sex),
            Relationship = WireEnum<V1.Relationship>.From(member.Relationship),
        };

    public static V1.Actor ToProto(Actor actor) =>
        new()
        {
            PartnerId = actor.PartnerId,
            PartnerKind = WireEnum<V1.PartnerKind>.From(actor.Kind),
            OfficerId = actor.OfficerId ?? string.Empty,
        };
}
