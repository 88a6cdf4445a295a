namespace Interop.Hub.Registry.ChangeHousehold;

/// <summary>A change to the register's unique keys that a household change brings with it.</summary>
internal abstract record KeyChange
{
    /// <summary>The people now hold their NIKs in the household; storing fails if another household took one meanwhile.</summary>
    public sealed record Register(Guid HouseholdId, string VillageCode, IReadOnlyList<HouseholdMember> Members) : KeyChange;

    /// <summary>The people hold their NIKs in the household from now on, looked for in its village (moved from where they were).</summary>
    public sealed record Move(Guid HouseholdId, string VillageCode, IReadOnlyList<HouseholdMember> Members) : KeyChange;

    /// <summary>The household no longer holds these NIKs.</summary>
    public sealed record Release(Guid HouseholdId, IReadOnlyList<string> Niks) : KeyChange;

    /// <summary>The household holds the family card number; storing fails if another took it meanwhile.</summary>
    public sealed record TakeCard(string FamilyCardNumber, Guid HouseholdId) : KeyChange;

    /// <summary>The household no longer holds a family card number.</summary>
    public sealed record ReleaseCard(Guid HouseholdId) : KeyChange;
}

internal abstract record KeyDecision
{
    /// <summary>FAILED_PRECONDITION: the change would make a key held twice.</summary>
    public sealed record Refused(string Reason) : KeyDecision;

    public sealed record Changes(IReadOnlyList<KeyChange> Steps) : KeyDecision;
}

/// <summary>
/// Keeps the register's unique keys: a NIK active in one household at most, a family card number
/// held by one open household at most. Given a decided change and who holds the keys it touches
/// (<see cref="Lookups"/>), says whether it may be stored and how the keys change with it. Pure.
/// </summary>
internal static class KeyRules
{
    /// <summary>The NIKs and family card numbers whose holders <see cref="Decide"/> needs.</summary>
    public static (IReadOnlyList<string> Niks, IReadOnlyList<string> Cards) Lookups(Household household, ChangeDecision.Accepted accepted)
    {
        var niks = accepted.Events.SelectMany(change => change switch
        {
            ChangeAwaitingApproval { Change.MemberAdded: { } pending } => [pending.Member.Nik],
            MemberAdded added => [added.Member.Nik],
            AddressChanged => household.Members.Select(member => member.Nik),
            _ => [],
        });
        var cards = accepted.Others.SelectMany(write => write.Events).OfType<SplitOff>().Select(formed => formed.FamilyCardNumber);
        return (niks.Distinct().ToList(), cards.Distinct().ToList());
    }

    public static KeyDecision Decide(
        Household household, ChangeDecision.Accepted accepted, IReadOnlyDictionary<string, Guid> nikHolders, IReadOnlyDictionary<string, Guid> cardHolders)
    {
        var steps = new List<KeyChange>();
        foreach (var change in accepted.Events)
        {
            switch (change)
            {
                // Refused already when asked for, so the steward is not asked to approve what cannot take effect.
                case ChangeAwaitingApproval { Change.MemberAdded: { } pending } when ActiveElsewhere(household, pending.Member.Nik, nikHolders) is { } elsewhere:
                    return new KeyDecision.Refused(elsewhere);
                case MemberAdded added when ActiveElsewhere(household, added.Member.Nik, nikHolders) is { } taken:
                    return new KeyDecision.Refused(taken);
                // A proposal held in a case holds no NIK yet; it registers all of its people when cleared.
                case MemberAdded added when household.HoldsMemberNiks:
                    steps.Add(new KeyChange.Register(household.Id, household.VillageCode, [added.Member]));
                    break;
                case AddressChanged moved:
                    // Only the NIKs this household holds (a household held in a NIK conflict holds none yet).
                    steps.Add(new KeyChange.Move(household.Id, moved.VillageCode, household.Members.Where(member => nikHolders.GetValueOrDefault(member.Nik) == household.Id).ToList()));
                    break;
                case MemberRemoved removed:
                    steps.Add(new KeyChange.Release(household.Id, [removed.Nik]));
                    break;
                case FamilyJoined joined:
                    steps.Add(new KeyChange.Move(household.Id, household.VillageCode, joined.Members));
                    break;
                case ProposalRejected or HouseholdDeactivated:
                    steps.Add(new KeyChange.Release(household.Id, household.Members.Select(member => member.Nik).ToList()));
                    steps.Add(new KeyChange.ReleaseCard(household.Id));
                    break;
            }
        }

        foreach (var write in accepted.Others)
        {
            foreach (var change in write.Events)
            {
                switch (change)
                {
                    case SplitOff formed when cardHolders.TryGetValue(formed.FamilyCardNumber, out var holder):
                        return new KeyDecision.Refused($"The new family card number is held by open household {holder}: one family card, one open household.");
                    case SplitOff formed:
                        // The people of a new household now hold their NIKs there.
                        steps.Add(new KeyChange.TakeCard(formed.FamilyCardNumber, write.HouseholdId));
                        steps.Add(new KeyChange.Move(write.HouseholdId, formed.VillageCode, formed.Members));
                        break;
                    case JoinedFamily:
                        steps.Add(new KeyChange.ReleaseCard(write.HouseholdId));
                        break;
                }
            }
        }

        return new KeyDecision.Changes(steps);
    }

    private static string? ActiveElsewhere(Household household, string nik, IReadOnlyDictionary<string, Guid> nikHolders) =>
        nikHolders.TryGetValue(nik, out var holder) && holder != household.Id
            ? $"That NIK is active in household {holder}; remove the person there first (or the steward resolves it)."
            : null;
}
