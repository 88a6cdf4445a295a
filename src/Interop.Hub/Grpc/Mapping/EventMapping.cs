using Google.Protobuf.WellKnownTypes;
using Interop.Hub.Registry;
using Interop.Hub.Storage;
using JasperFx.Events;
using V1 = Interop.Contracts.Registry.V1;

namespace Interop.Hub.Grpc.Mapping;

/// <summary>Stored household events, with Marten's metadata, as v1's history and change feed show them.</summary>
internal static class EventMapping
{
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
            Actor = HouseholdMapping.ToProto(change.Actor),
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
                household.Members.Add(proposed.Members.Select(HouseholdMapping.ToProto));
                proto.HouseholdProposed = new V1.HouseholdProposedChange { Household = household, PartnerReference = proposed.PartnerReference };
                break;
            case IdentitiesVerified verified:
                proto.IdentitiesVerified = new V1.IdentitiesVerifiedChange();
                proto.IdentitiesVerified.Checks.Add(verified.Checks.Select(check => new V1.IdentityCheck { Nik = check.Nik, Verdict = WireEnum<V1.IdentityVerdict>.From(check.Verdict) }));
                break;
            case HouseholdRatified:
                proto.HouseholdRatified = new V1.HouseholdRatifiedChange();
                break;
            case ProposalRejected:
                proto.ProposalRejected = new V1.ProposalRejectedChange();
                break;
            case MemberAdded added:
                proto.MemberAdded = new V1.MemberAddedChange { Member = HouseholdMapping.ToProto(added.Member) };
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
                proto.MemberDied = new V1.MemberDiedChange { Nik = died.Nik, DeathDate = HouseholdMapping.ToProto(died.DeathDate) };
                break;
            case ProgramEnrolled enrolled:
                proto.ProgramEnrolled = new V1.ProgramEnrolledChange { Membership = HouseholdMapping.ToProto(enrolled.Membership) };
                break;
            case ProgramExited exited:
                proto.ProgramExited = new V1.ProgramExitedChange { Program = WireEnum<V1.Program>.From(exited.Program) };
                break;
            case HouseholdDeactivated:
                proto.HouseholdDeactivated = new V1.HouseholdDeactivatedChange();
                break;
            case RecipientAccountRequested requested:
                proto.RecipientAccountRequested = new V1.RecipientAccountRequestedChange { Nik = requested.Nik, Bank = requested.Bank };
                break;
            case RecipientAccountOpened opened:
                proto.RecipientAccountOpened = new V1.RecipientAccountOpenedChange { Nik = opened.Nik, Bank = opened.Bank };
                break;
            case RecipientAccountRefused refused:
                proto.RecipientAccountRefused = new V1.RecipientAccountRefusedChange { Nik = refused.Nik, Bank = refused.Bank, ReasonCode = refused.ReasonCode };
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
                card.Members.Add(formed.Members.Select(HouseholdMapping.ToProto));
                proto.SplitOff = new V1.SplitOffChange { FromHouseholdId = formed.FromHouseholdId.ToString(), Household = card };
                break;
            case FamilyJoined joined:
                proto.FamilyJoined = new V1.FamilyJoinedChange { FromHouseholdId = joined.FromHouseholdId.ToString() };
                proto.FamilyJoined.Members.Add(joined.Members.Select(HouseholdMapping.ToProto));
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
                    PendingChange = HouseholdMapping.ToProto(awaiting.Change with { RequestedAt = StoredTime.Of(stored.Timestamp) }),
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
}
