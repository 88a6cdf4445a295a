using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.Conflicts;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Storage;
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
                    new HouseholdChange.VerifyIdentities(request.VerifyIdentities.Checks.Select(check => new IdentityCheck(check.Nik, ToDomain(check.Verdict))).ToList()),
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

    public static V1.SubmitHouseholdsResponse Accepted(
        long position, string partnerReference, Guid householdId, long version, Guid? conflictCaseId, IReadOnlyList<FieldIssue> warnings)
    {
        var response = new V1.SubmitHouseholdsResponse
        {
            Position = position,
            PartnerReference = partnerReference,
            Accepted = new V1.HouseholdAccepted
            {
                HouseholdId = householdId.ToString(),
                Version = version,
                ConflictCaseId = conflictCaseId?.ToString() ?? string.Empty,
            },
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

    /// <summary>A partner's own key as echoed back: cut to its limit, so that an oversized one is never held or sent back whole.</summary>
    public static string Echo(string value, int maxLength) => value.Length <= maxLength ? value : value[..maxLength];

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

    /// <summary>ALREADY_EXISTS: the key (a partner reference or idempotency key) was used before for other content, on the household given.</summary>
    public static Google.Rpc.Status ReferenceTaken(Guid householdId, string keyField) =>
        new()
        {
            Code = (int)Code.AlreadyExists,
            Message = $"{keyField} was already used for different content, on household {householdId}; nothing was stored.",
            Details =
            {
                Any.Pack(new ResourceInfo
                {
                    ResourceType = "interop.registry.v1.Household",
                    ResourceName = householdId.ToString(),
                    Description = $"the household of the original request under this {keyField}",
                }),
            },
        };

    /// <summary>FAILED_PRECONDITION: the household's state does not allow the change.</summary>
    public static Google.Rpc.Status FailedPrecondition(Guid householdId, string reason)
    {
        var failure = new PreconditionFailure();
        failure.Violations.Add(new PreconditionFailure.Types.Violation { Type = "HOUSEHOLD_STATE", Subject = householdId.ToString(), Description = reason });
        return new Google.Rpc.Status { Code = (int)Code.FailedPrecondition, Message = reason, Details = { Any.Pack(failure) } };
    }

    public static V1.Household ToProto(Household household)
    {
        var proto = new V1.Household
        {
            HouseholdId = household.Id.ToString(),
            Version = household.Version,
            Status = household.Status switch
            {
                HouseholdStatus.Proposed => V1.HouseholdStatus.Proposed,
                HouseholdStatus.Verified => V1.HouseholdStatus.Verified,
                HouseholdStatus.VerificationFailed => V1.HouseholdStatus.VerificationFailed,
                HouseholdStatus.Active => V1.HouseholdStatus.Active,
                HouseholdStatus.Rejected => V1.HouseholdStatus.Rejected,
                HouseholdStatus.Deactivated => V1.HouseholdStatus.Deactivated,
                HouseholdStatus.Merged => V1.HouseholdStatus.Merged,
                _ => V1.HouseholdStatus.Unspecified,
            },
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
            wire.IdentityStatus = household.IdentityOf(member) switch
            {
                IdentityStatus.Confirmed => V1.IdentityStatus.Confirmed,
                IdentityStatus.Excepted => V1.IdentityStatus.Excepted,
                _ => V1.IdentityStatus.Unconfirmed,
            };
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

    private static V1.PendingChange ToProto(PendingChange pending)
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
            HouseholdId = stored.StreamId.ToString(),
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
            case IdentitiesVerified verified:
                proto.IdentitiesVerified = new V1.IdentitiesVerifiedChange();
                proto.IdentitiesVerified.Checks.Add(verified.Checks.Select(check => new V1.IdentityCheck { Nik = check.Nik, Verdict = ToProto(check.Verdict) }));
                break;
            case HouseholdRatified:
                proto.HouseholdRatified = new V1.HouseholdRatifiedChange();
                break;
            case ProposalRejected:
                proto.ProposalRejected = new V1.ProposalRejectedChange();
                break;
            case MemberAdded added:
                proto.MemberAdded = new V1.MemberAddedChange { Member = ToProto(added.Member) };
                break;
            case MemberRemoved removed:
                proto.MemberRemoved = new V1.MemberRemovedChange { Nik = removed.Nik };
                break;
            case AddressChanged moved:
                proto.AddressChanged = new V1.AddressChangedChange
                {
                    VillageCode = moved.VillageCode,
                    AddressLine = moved.AddressLine,
                    PreviousVillageCode = moved.PreviousVillageCode,
                };
                break;
            case MemberDied died:
                proto.MemberDied = new V1.MemberDiedChange { Nik = died.Nik, DeathDate = ToProto(died.DeathDate) };
                break;
            case ProgramEnrolled enrolled:
                proto.ProgramEnrolled = new V1.ProgramEnrolledChange { Membership = ToProto(enrolled.Membership) };
                break;
            case ProgramExited exited:
                proto.ProgramExited = new V1.ProgramExitedChange { Program = ToProto(exited.Program) };
                break;
            case HouseholdDeactivated:
                proto.HouseholdDeactivated = new V1.HouseholdDeactivatedChange();
                break;
            case HeldForConflict held:
                proto.HeldForConflict = new V1.HeldForConflictChange { ConflictCaseId = held.ConflictCaseId.ToString() };
                proto.HeldForConflict.Niks.Add(held.Niks);
                proto.HeldForConflict.ExistingHouseholdIds.Add(held.ExistingHouseholdIds.Select(id => id.ToString()));
                break;
            case FlaggedAsLikelyDuplicate flagged:
                proto.FlaggedAsLikelyDuplicate = new V1.FlaggedAsLikelyDuplicateChange { ConflictCaseId = flagged.ConflictCaseId.ToString(), Score = flagged.Score };
                proto.FlaggedAsLikelyDuplicate.OtherHouseholdIds.Add(flagged.OtherHouseholdIds.Select(id => id.ToString()));
                break;
            case HouseholdSplit split:
                proto.HouseholdSplit = new V1.HouseholdSplitChange { NewHouseholdId = split.NewHouseholdId.ToString() };
                proto.HouseholdSplit.Niks.Add(split.LeavingNiks);
                break;
            case SplitOff formed:
                var card = new V1.HouseholdProposal { FamilyCardNumber = formed.FamilyCardNumber, VillageCode = formed.VillageCode, AddressLine = formed.AddressLine };
                card.Members.Add(formed.Members.Select(ToProto));
                proto.SplitOff = new V1.SplitOffChange { FromHouseholdId = formed.FromHouseholdId.ToString(), Household = card };
                break;
            case FamilyJoined joined:
                proto.FamilyJoined = new V1.FamilyJoinedChange { FromHouseholdId = joined.FromHouseholdId.ToString() };
                proto.FamilyJoined.Members.Add(joined.Members.Select(ToProto));
                break;
            case IdentityExceptionGranted granted:
                proto.IdentityExceptionGranted = new V1.IdentityExceptionGrantedChange { Nik = granted.Nik };
                break;
            case JoinedFamily joinedInto:
                proto.JoinedFamily = new V1.JoinedFamilyChange { SurvivorHouseholdId = joinedInto.SurvivorHouseholdId.ToString() };
                break;
            case ConflictCleared cleared:
                proto.ConflictCleared = new V1.ConflictClearedChange { ConflictCaseId = cleared.ConflictCaseId.ToString() };
                break;
            case MergedInto merged:
                proto.MergedInto = new V1.MergedIntoChange { SurvivorHouseholdId = merged.SurvivorHouseholdId.ToString(), ConflictCaseId = merged.ConflictCaseId.ToString() };
                break;
            case DuplicateMerged duplicate:
                proto.DuplicateMerged = new V1.DuplicateMergedChange { MergedHouseholdId = duplicate.MergedHouseholdId.ToString(), ConflictCaseId = duplicate.ConflictCaseId.ToString() };
                break;
            case ChangeAwaitingApproval awaiting:
                proto.ChangeAwaitingApproval = new V1.ChangeAwaitingApprovalChange
                {
                    PendingChange = ToProto(awaiting.Change with { RequestedAt = StoredTime.Of(stored.Timestamp) }),
                };
                break;
            case ChangeApproved approved:
                proto.ChangeApproved = new V1.ChangeApprovedChange { ChangeId = approved.ChangeId.ToString() };
                break;
            case ChangeRejected rejected:
                proto.ChangeRejected = new V1.ChangeRejectedChange { ChangeId = rejected.ChangeId.ToString() };
                break;
            default:
                throw new InvalidOperationException($"No wire mapping for event type {stored.EventTypeName}.");
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
            Resolution = ToProto(conflict.Resolution),
            ResolvedBy = conflict.ResolvedBy is { } actor ? ToProto(actor) : null,
            ResolutionReason = conflict.ResolutionReason ?? string.Empty,
            OpenTime = Timestamp.FromDateTimeOffset(conflict.OpenedAt),
            Kind = conflict.Kind switch
            {
                ConflictKind.LikelyDuplicate => V1.ConflictKind.LikelyDuplicate,
                ConflictKind.FamilyCardInUse => V1.ConflictKind.FamilyCardInUse,
                _ => V1.ConflictKind.NikInUse,
            },
            Score = conflict.Score,
        };
        proto.Reasons.Add(conflict.Reasons);
        proto.ExistingHouseholdIds.Add(conflict.ExistingHouseholdIds.Select(id => id.ToString()));
        proto.Niks.Add(conflict.Niks);
        return proto;
    }

    public static ConflictResolution ToDomain(V1.ConflictResolution resolution) => resolution switch
    {
        V1.ConflictResolution.MergeIntoExisting => ConflictResolution.MergeIntoExisting,
        V1.ConflictResolution.MoveMembers => ConflictResolution.MoveMembers,
        V1.ConflictResolution.RejectProposal => ConflictResolution.RejectProposal,
        V1.ConflictResolution.MarkDistinct => ConflictResolution.MarkDistinct,
        _ => ConflictResolution.Unspecified,
    };

    private static V1.ConflictResolution ToProto(ConflictResolution resolution) => resolution switch
    {
        ConflictResolution.MergeIntoExisting => V1.ConflictResolution.MergeIntoExisting,
        ConflictResolution.MoveMembers => V1.ConflictResolution.MoveMembers,
        ConflictResolution.RejectProposal => V1.ConflictResolution.RejectProposal,
        ConflictResolution.MarkDistinct => V1.ConflictResolution.MarkDistinct,
        _ => V1.ConflictResolution.Unspecified,
    };

    private static List<NewRelationship> ToDomain(IEnumerable<V1.MemberRelationship> members) =>
        members.Select(member => new NewRelationship(member.Nik, ToDomain(member.Relationship))).ToList();

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

    private static Google.Type.Date ToProto(DateOnly date) => new() { Year = date.Year, Month = date.Month, Day = date.Day };

    private static IdentityVerdict ToDomain(V1.IdentityVerdict verdict) => verdict switch
    {
        V1.IdentityVerdict.Confirmed => IdentityVerdict.Confirmed,
        V1.IdentityVerdict.NotFound => IdentityVerdict.NotFound,
        V1.IdentityVerdict.Mismatch => IdentityVerdict.Mismatch,
        V1.IdentityVerdict.Deceased => IdentityVerdict.Deceased,
        _ => IdentityVerdict.Unspecified,
    };

    private static V1.IdentityVerdict ToProto(IdentityVerdict verdict) => verdict switch
    {
        IdentityVerdict.Confirmed => V1.IdentityVerdict.Confirmed,
        IdentityVerdict.NotFound => V1.IdentityVerdict.NotFound,
        IdentityVerdict.Mismatch => V1.IdentityVerdict.Mismatch,
        IdentityVerdict.Deceased => V1.IdentityVerdict.Deceased,
        _ => V1.IdentityVerdict.Unspecified,
    };

    public static HouseholdStatus? ToDomain(V1.HouseholdStatus status) => status switch
    {
        V1.HouseholdStatus.Proposed => HouseholdStatus.Proposed,
        V1.HouseholdStatus.Verified => HouseholdStatus.Verified,
        V1.HouseholdStatus.VerificationFailed => HouseholdStatus.VerificationFailed,
        V1.HouseholdStatus.Active => HouseholdStatus.Active,
        V1.HouseholdStatus.Rejected => HouseholdStatus.Rejected,
        V1.HouseholdStatus.Deactivated => HouseholdStatus.Deactivated,
        V1.HouseholdStatus.Merged => HouseholdStatus.Merged,
        _ => null,
    };

    public static SocialProgram ToDomain(V1.Program program) => program switch
    {
        V1.Program.Pkh => SocialProgram.Pkh,
        V1.Program.Bpnt => SocialProgram.Bpnt,
        _ => SocialProgram.Unspecified,
    };

    private static V1.Program ToProto(SocialProgram program) => program switch
    {
        SocialProgram.Pkh => V1.Program.Pkh,
        SocialProgram.Bpnt => V1.Program.Bpnt,
        _ => V1.Program.Unspecified,
    };

    private static ProgramMembership ToDomain(V1.ProgramMembership membership) =>
        new(ToDomain(membership.Program), membership.Components.Select(component => component switch
        {
            V1.PkhComponent.PregnancyOrEarlyChildhood => PkhComponent.PregnancyOrEarlyChildhood,
            V1.PkhComponent.PrimarySchoolChild => PkhComponent.PrimarySchoolChild,
            V1.PkhComponent.JuniorHighChild => PkhComponent.JuniorHighChild,
            V1.PkhComponent.SeniorHighChild => PkhComponent.SeniorHighChild,
            V1.PkhComponent.SevereDisability => PkhComponent.SevereDisability,
            V1.PkhComponent.Elderly => PkhComponent.Elderly,
            _ => PkhComponent.Unspecified,
        }).ToList());

    private static V1.ProgramMembership ToProto(ProgramMembership membership)
    {
        var proto = new V1.ProgramMembership { Program = ToProto(membership.Program) };
        proto.Components.Add(membership.Components.Select(component => component switch
        {
            PkhComponent.PregnancyOrEarlyChildhood => V1.PkhComponent.PregnancyOrEarlyChildhood,
            PkhComponent.PrimarySchoolChild => V1.PkhComponent.PrimarySchoolChild,
            PkhComponent.JuniorHighChild => V1.PkhComponent.JuniorHighChild,
            PkhComponent.SeniorHighChild => V1.PkhComponent.SeniorHighChild,
            PkhComponent.SevereDisability => V1.PkhComponent.SevereDisability,
            PkhComponent.Elderly => V1.PkhComponent.Elderly,
            _ => V1.PkhComponent.Unspecified,
        }));
        return proto;
    }

    private static V1.Member ToProto(HouseholdMember member) =>
        new()
        {
            Nik = member.Nik,
            FullName = member.FullName,
            BirthDate = ToProto(member.BirthDate),
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
