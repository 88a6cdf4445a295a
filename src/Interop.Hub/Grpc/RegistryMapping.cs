using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;
using JasperFx.Events;
using V1 = Interop.Contracts.Registry.V1;

namespace Interop.Hub.Grpc;

/// <summary>Explicit translation between the v1 wire contract and the domain, both ways.</summary>
internal static class RegistryMapping
{
    public static ProposeHouseholdCommand ToCommand(V1.SubmitHouseholdsRequest request, Actor actor)
    {
        var household = request.Household ?? new V1.HouseholdProposal();
        return new ProposeHouseholdCommand(
            request.PartnerReference,
            household.FamilyCardNumber,
            household.VillageCode,
            household.AddressLine,
            household.Members.Select(ToDraft).ToList(),
            request.Reason,
            request.EvidenceReference.Length == 0 ? null : request.EvidenceReference,
            actor);
    }

    public static V1.SubmitHouseholdsResponse Accepted(long position, string partnerReference, Guid householdId, long version, IReadOnlyList<FieldIssue> warnings)
    {
        var response = new V1.SubmitHouseholdsResponse
        {
            Position = position,
            PartnerReference = partnerReference,
            Accepted = new V1.HouseholdAccepted { HouseholdId = householdId.ToString(), Version = version },
        };
        response.Warnings.Add(warnings.Select(ToWarning));
        return response;
    }

    public static V1.SubmitHouseholdsResponse Refused(long position, string partnerReference, Google.Rpc.Status status, IReadOnlyList<FieldIssue> warnings)
    {
        var response = new V1.SubmitHouseholdsResponse { Position = position, PartnerReference = partnerReference, Refused = status };
        response.Warnings.Add(warnings.Select(ToWarning));
        return response;
    }

    /// <summary>INVALID_ARGUMENT with a google.rpc.BadRequest naming each bad field.</summary>
    public static Google.Rpc.Status InvalidArgument(string message, IEnumerable<FieldIssue> violations)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(violations.Select(issue => new BadRequest.Types.FieldViolation { Field = issue.Field, Description = issue.Description }));
        return new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = message,
            Details = { Any.Pack(badRequest) },
        };
    }

    /// <summary>ALREADY_EXISTS: the partner reference names another household's proposal, whose id is given.</summary>
    public static Google.Rpc.Status ReferenceTaken(Guid householdId) =>
        new()
        {
            Code = (int)Code.AlreadyExists,
            Message = $"partner_reference was already used for different content, stored as household {householdId}; nothing was stored.",
            Details =
            {
                Any.Pack(new ResourceInfo
                {
                    ResourceType = "interop.registry.v1.Household",
                    ResourceName = householdId.ToString(),
                    Description = "the household first proposed under this partner_reference",
                }),
            },
        };

    public static V1.Household ToProto(Household household)
    {
        var proto = new V1.Household
        {
            HouseholdId = household.Id.ToString(),
            Version = household.Version,
            Status = household.Status switch
            {
                HouseholdStatus.Proposed => V1.HouseholdStatus.Proposed,
                _ => V1.HouseholdStatus.Unspecified,
            },
            FamilyCardNumber = household.FamilyCardNumber,
            VillageCode = household.VillageCode,
            AddressLine = household.AddressLine,
            ProposedBy = ToProto(household.ProposedBy),
            PartnerReference = household.PartnerReference,
            CreateTime = Timestamp.FromDateTimeOffset(household.CreatedAt),
            UpdateTime = Timestamp.FromDateTimeOffset(household.UpdatedAt),
        };
        proto.Members.Add(household.Members.Select(ToProto));
        return proto;
    }

    /// <summary>Maps a stored household event, with Marten's metadata, to its wire form.</summary>
    public static V1.HouseholdEvent ToProto(IEvent stored)
    {
        if (stored.Data is not IHouseholdEvent change)
        {
            throw new InvalidOperationException($"Stream holds an event of type {stored.EventTypeName} that is not a household event.");
        }

        var proto = new V1.HouseholdEvent
        {
            Version = stored.Version,
            Sequence = stored.Sequence,
            OccurTime = Timestamp.FromDateTimeOffset(stored.Timestamp),
            Actor = ToProto(change.Actor),
            Reason = change.Reason,
            EvidenceReference = change.EvidenceReference ?? string.Empty,
        };
        switch (change)
        {
            case HouseholdProposed proposed:
                var household = new V1.HouseholdProposal
                {
                    FamilyCardNumber = proposed.FamilyCardNumber,
                    VillageCode = proposed.VillageCode,
                    AddressLine = proposed.AddressLine,
                };
                household.Members.Add(proposed.Members.Select(ToProto));
                proto.HouseholdProposed = new V1.HouseholdProposedChange { Household = household, PartnerReference = proposed.PartnerReference };
                break;
            default:
                throw new InvalidOperationException($"No wire mapping for event type {stored.EventTypeName}.");
        }

        return proto;
    }

    private static MemberDraft ToDraft(V1.Member member) =>
        new(
            member.Nik,
            member.FullName,
            member.BirthDate is { } date ? new DateParts(date.Year, date.Month, date.Day) : null,
            member.Sex switch
            {
                V1.Sex.Male => Sex.Male,
                V1.Sex.Female => Sex.Female,
                _ => Sex.Unspecified,
            },
            ToDomain(member.Relationship));

    private static Relationship ToDomain(V1.Relationship relationship) => relationship switch
    {
        V1.Relationship.Head => Relationship.Head,
        V1.Relationship.Spouse => Relationship.Spouse,
        V1.Relationship.Child => Relationship.Child,
        V1.Relationship.ChildInLaw => Relationship.ChildInLaw,
        V1.Relationship.Grandchild => Relationship.Grandchild,
        V1.Relationship.Parent => Relationship.Parent,
        V1.Relationship.ParentInLaw => Relationship.ParentInLaw,
        V1.Relationship.OtherRelative => Relationship.OtherRelative,
        V1.Relationship.HouseholdHelper => Relationship.HouseholdHelper,
        V1.Relationship.Other => Relationship.Other,
        _ => Relationship.Unspecified,
    };

    private static V1.Relationship ToProto(Relationship relationship) => relationship switch
    {
        Relationship.Head => V1.Relationship.Head,
        Relationship.Spouse => V1.Relationship.Spouse,
        Relationship.Child => V1.Relationship.Child,
        Relationship.ChildInLaw => V1.Relationship.ChildInLaw,
        Relationship.Grandchild => V1.Relationship.Grandchild,
        Relationship.Parent => V1.Relationship.Parent,
        Relationship.ParentInLaw => V1.Relationship.ParentInLaw,
        Relationship.OtherRelative => V1.Relationship.OtherRelative,
        Relationship.HouseholdHelper => V1.Relationship.HouseholdHelper,
        Relationship.Other => V1.Relationship.Other,
        _ => V1.Relationship.Unspecified,
    };

    private static V1.Member ToProto(HouseholdMember member) =>
        new()
        {
            Nik = member.Nik,
            FullName = member.FullName,
            BirthDate = new Google.Type.Date { Year = member.BirthDate.Year, Month = member.BirthDate.Month, Day = member.BirthDate.Day },
            Sex = member.Sex switch
            {
                Sex.Male => V1.Sex.Male,
                Sex.Female => V1.Sex.Female,
                _ => V1.Sex.Unspecified,
            },
            Relationship = ToProto(member.Relationship),
        };

    private static V1.Actor ToProto(Actor actor) =>
        new()
        {
            PartnerId = actor.PartnerId,
            PartnerKind = actor.Kind switch
            {
                PartnerKind.Steward => V1.PartnerKind.Steward,
                PartnerKind.CivilRegistry => V1.PartnerKind.CivilRegistry,
                PartnerKind.LocalGovernment => V1.PartnerKind.LocalGovernment,
                PartnerKind.Bank => V1.PartnerKind.Bank,
                PartnerKind.Ministry => V1.PartnerKind.Ministry,
                PartnerKind.Auditor => V1.PartnerKind.Auditor,
                PartnerKind.DisasterResponder => V1.PartnerKind.DisasterResponder,
                PartnerKind.Researcher => V1.PartnerKind.Researcher,
                _ => V1.PartnerKind.Unspecified,
            },
        };

    private static V1.FieldWarning ToWarning(FieldIssue issue) => new() { Field = issue.Field, Description = issue.Description };
}
