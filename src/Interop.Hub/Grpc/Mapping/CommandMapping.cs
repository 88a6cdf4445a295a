using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.Conflicts;
using Interop.Hub.Registry.ProposeHousehold;
using V1 = Interop.Contracts.Registry.V1;

namespace Interop.Hub.Grpc.Mapping;

/// <summary>v1 requests as the domain's commands.</summary>
internal static class CommandMapping
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

    public static ChangeHouseholdCommand ToCommand(V1.ChangeHouseholdRequest request, Guid householdId, Actor actor) =>
        new(
            householdId,
            request.ExpectedVersion,
            request.IdempotencyKey,
            request.Reason,
            request.EvidenceReference.Length == 0 ? null : request.EvidenceReference,
            request.ChangeCase switch
            {
                V1.ChangeHouseholdRequest.ChangeOneofCase.VerifyIdentities =>
                    new HouseholdChange.VerifyIdentities(request.VerifyIdentities.Checks.Select(check => new IdentityCheck(check.Nik, WireEnum<IdentityVerdict>.From(check.Verdict))).ToList()),
                V1.ChangeHouseholdRequest.ChangeOneofCase.RatifyHousehold => new HouseholdChange.Ratify(),
                V1.ChangeHouseholdRequest.ChangeOneofCase.RejectProposal => new HouseholdChange.RejectProposal(),
                V1.ChangeHouseholdRequest.ChangeOneofCase.AddMember => new HouseholdChange.AddMember(ToDraft(request.AddMember.Member ?? new V1.Member())),
                V1.ChangeHouseholdRequest.ChangeOneofCase.RemoveMember => new HouseholdChange.RemoveMember(request.RemoveMember.Nik),
                V1.ChangeHouseholdRequest.ChangeOneofCase.ChangeAddress => new HouseholdChange.ChangeAddress(request.ChangeAddress.VillageCode, request.ChangeAddress.AddressLine),
                V1.ChangeHouseholdRequest.ChangeOneofCase.RecordDeath => new HouseholdChange.RecordDeath(
                    request.RecordDeath.Nik,
                    request.RecordDeath.DeathDate is { } date ? new DateParts(date.Year, date.Month, date.Day) : null),
                V1.ChangeHouseholdRequest.ChangeOneofCase.EnrollInProgram => new HouseholdChange.Enroll(ToDomain(request.EnrollInProgram.Membership ?? new V1.ProgramMembership())),
                V1.ChangeHouseholdRequest.ChangeOneofCase.ExitProgram => new HouseholdChange.ExitProgram(ToDomain(request.ExitProgram.Program)),
                V1.ChangeHouseholdRequest.ChangeOneofCase.DeactivateHousehold => new HouseholdChange.Deactivate(),
                V1.ChangeHouseholdRequest.ChangeOneofCase.ApproveChange => new HouseholdChange.ApproveChange(request.ApproveChange.ChangeId),
                V1.ChangeHouseholdRequest.ChangeOneofCase.RejectChange => new HouseholdChange.RejectChange(request.RejectChange.ChangeId),
                V1.ChangeHouseholdRequest.ChangeOneofCase.GrantIdentityException => new HouseholdChange.GrantIdentityException(request.GrantIdentityException.Nik),
                V1.ChangeHouseholdRequest.ChangeOneofCase.SplitHousehold => new HouseholdChange.Split(
                    ToDomain(request.SplitHousehold.Members),
                    request.SplitHousehold.FamilyCardNumber,
                    request.SplitHousehold.VillageCode,
                    request.SplitHousehold.AddressLine),
                V1.ChangeHouseholdRequest.ChangeOneofCase.MergeHousehold => new HouseholdChange.Merge(
                    request.MergeHousehold.OtherHouseholdId,
                    request.MergeHousehold.OtherExpectedVersion,
                    ToDomain(request.MergeHousehold.Members)),
                _ => new HouseholdChange.Missing(),
            },
            actor);

    public static ResolveConflictCommand ToCommand(V1.ResolveConflictCaseRequest request, Guid caseId, Actor actor) =>
        new(
            caseId,
            WireEnum<ConflictResolution>.From(request.Resolution),
            request.IdempotencyKey,
            request.Reason,
            request.EvidenceReference.Length == 0 ? null : request.EvidenceReference,
            actor);

    /// <summary>A status filter: none for UNSPECIFIED or a value this hub does not know (from a newer client).</summary>
    public static HouseholdStatus? ToDomain(V1.HouseholdStatus status) => WireEnum<HouseholdStatus>.FromDefined(status);

    public static SocialProgram ToDomain(V1.Program program) => WireEnum<SocialProgram>.From(program);

    private static List<NewRelationship> ToDomain(IEnumerable<V1.MemberRelationship> members) =>
        members.Select(member => new NewRelationship(member.Nik, WireEnum<Relationship>.From(member.Relationship))).ToList();

    private static MemberDraft ToDraft(V1.Member member) =>
        new(
            member.Nik,
            member.FullName,
            member.BirthDate is { } date ? new DateParts(date.Year, date.Month, date.Day) : null,
            WireEnum<Sex>.From(member.Sex),
            WireEnum<Relationship>.From(member.Relationship));

    private static ProgramMembership ToDomain(V1.ProgramMembership membership) =>
        new(ToDomain(membership.Program), membership.Components.Select(component => WireEnum<PkhComponent>.From(component)).ToList());
}
