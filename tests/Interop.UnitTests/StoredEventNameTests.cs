using Interop.Hub.Registry;
using Interop.Hub.Registry.Conflicts;
using Interop.Hub.Storage;
using Marten;

namespace Interop.UnitTests;

/// <summary>A stored event name, once used, never changes: renaming a class must not rename what is in the store.</summary>
public sealed class StoredEventNameTests
{
    private static readonly Dictionary<Type, string> Pinned = new()
    {
        [typeof(HouseholdProposed)] = "household_proposed",
        [typeof(IdentitiesVerified)] = "identities_verified",
        [typeof(HouseholdRatified)] = "household_ratified",
        [typeof(ProposalRejected)] = "proposal_rejected",
        [typeof(MemberAdded)] = "member_added",
        [typeof(MemberRemoved)] = "member_removed",
        [typeof(AddressChanged)] = "address_changed",
        [typeof(MemberDied)] = "member_died",
        [typeof(ProgramEnrolled)] = "program_enrolled",
        [typeof(ProgramExited)] = "program_exited",
        [typeof(HouseholdDeactivated)] = "household_deactivated",
        [typeof(RecipientAccountRequested)] = "recipient_account_requested",
        [typeof(RecipientAccountOpened)] = "recipient_account_opened",
        [typeof(RecipientAccountRefused)] = "recipient_account_refused",
        [typeof(Interop.Hub.Disbursements.Batches.BatchIssued)] = "batch_issued",
        [typeof(Interop.Hub.Disbursements.Batches.BatchSealed)] = "batch_sealed",
        [typeof(Interop.Hub.Disbursements.Batches.LineCancelled)] = "line_cancelled",
        [typeof(HeldForConflict)] = "held_for_conflict",
        [typeof(ConflictCleared)] = "conflict_cleared",
        [typeof(MergedInto)] = "merged_into",
        [typeof(DuplicateMerged)] = "duplicate_merged",
        [typeof(ChangeAwaitingApproval)] = "change_awaiting_approval",
        [typeof(ChangeApproved)] = "change_approved",
        [typeof(ChangeRejected)] = "change_rejected",
        [typeof(FlaggedAsLikelyDuplicate)] = "flagged_as_likely_duplicate",
        // "household_split" is the first shape's name, read through StoredShapes (StoredEventShapeTests).
        [typeof(HouseholdSplit)] = "household_split_v2",
        [typeof(SplitOff)] = "split_off",
        [typeof(FamilyJoined)] = "family_joined",
        [typeof(JoinedFamily)] = "joined_family",
        [typeof(IdentityExceptionGranted)] = "identity_exception_granted",
        [typeof(ConflictCaseOpened)] = "conflict_case_opened",
        [typeof(ConflictCaseResolved)] = "conflict_case_resolved",
        [typeof(Interop.Hub.Registry.ChangeFeed.ChangeFeedSubscription.RangeOnly)] = "change_feed_range_only",
    };

    [Fact]
    public void Every_event_type_is_stored_under_its_pinned_name()
    {
        var options = new StoreOptions();
        EventStore.RegisterEventNames(options);

        foreach (var (type, name) in Pinned)
        {
            Assert.Equal(name, ((Marten.Events.EventGraph)options.Events).EventMappingFor(type).EventTypeName);
        }
    }

    [Fact]
    public void Every_event_type_the_hub_stores_has_a_pinned_name()
    {
        var options = new StoreOptions();
        EventStore.RegisterEventNames(options);

        // The hub's own event types; Marten's (its stream-archived marker) are Marten's to name.
        var registered = ((Marten.Events.EventGraph)options.Events).AllKnownEventTypes()
            .Select(mapping => mapping.EventType)
            .Where(type => type.Assembly == typeof(IHouseholdEvent).Assembly)
            .ToList();

        Assert.NotEmpty(registered);
        Assert.All(registered, type => Assert.True(Pinned.ContainsKey(type) || type == typeof(StoredShapes.HouseholdSplitV1), $"{type.Name} is stored but its name is not pinned here"));
    }

    [Fact]
    public void Every_household_event_type_has_a_pinned_name()
    {
        var eventTypes = typeof(IHouseholdEvent).Assembly.GetTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && typeof(IHouseholdEvent).IsAssignableFrom(type));

        Assert.All(eventTypes, type => Assert.True(Pinned.ContainsKey(type), $"{type.Name} has no pinned stored name"));
    }

    [Fact]
    public void The_first_shape_of_a_split_upcasts_to_the_current_one()
    {
        var stored = new StoredShapes.HouseholdSplitV1(Guid.NewGuid(), ["3273011203150002"], Hub.Partners.Actor.Hub, "pecah KK", "KK-1");

        var current = StoredShapes.Upcast(stored);

        Assert.Equal((stored.NewHouseholdId, stored.Niks, stored.Actor, stored.Reason, stored.EvidenceReference), (current.NewHouseholdId, current.LeavingNiks, current.Actor, current.Reason, current.EvidenceReference));
    }
}
