using Interop.Hub.Disbursements.Entitlements;
using Interop.Hub.Partners;
using Interop.Hub.Registry;

namespace Interop.Hub.Seeding;

/// <summary>The partners a seeded history names as having acted, as the development PKI names them.</summary>
internal sealed record SeedActors(Actor Steward, Actor CivilRegistry, IReadOnlyList<Actor> Banks)
{
    public static SeedActors Development { get; } = new(
        new Actor("kemensos-pusdatin", PartnerKind.Steward),
        new Actor("dukcapil", PartnerKind.CivilRegistry),
        [new Actor("bri", PartnerKind.Bank), new Actor("bni", PartnerKind.Bank)]);
}

/// <summary>
/// The history of a household a PKH batch pays, as the partners would have written it one call at a
/// time: proposed, every NIK confirmed by the civil registry, ratified, enrolled in PKH for the
/// components its members qualify for, and the recipient's account asked for and opened at a bank.
/// Pure; for synthetic benchmark registers only (<see cref="PayableSeed"/>).
/// </summary>
internal static class PayableHistory
{
    public const string Reason = "synthetic benchmark register (Interop.Hub seed-payable)";

    /// <summary>The events after the proposal, the recipient's account at <paramref name="bank"/> numbered <paramref name="accountNumber"/>.</summary>
    public static IReadOnlyList<IHouseholdEvent> After(HouseholdProposed proposed, DateOnly today, SeedActors actors, Actor bank, string accountNumber)
    {
        var recipient = RecipientOf(proposed.Members)
            ?? throw new ArgumentException("A household without a head cannot be paid.", nameof(proposed));
        return
        [
            new IdentitiesVerified([.. proposed.Members.Select(member => new IdentityCheck(member.Nik, IdentityVerdict.Confirmed))], actors.CivilRegistry, Reason, null),
            new HouseholdRatified(actors.Steward, Reason, null),
            new ProgramEnrolled(new ProgramMembership(SocialProgram.Pkh, ComponentsOf(proposed.Members, today)), actors.Steward, Reason, null),
            new RecipientAccountRequested(recipient.Nik, bank.PartnerId, actors.Steward, Reason, null),
            new RecipientAccountOpened(recipient.Nik, bank.PartnerId, accountNumber, string.Empty, bank, Reason, null),
        ];
    }

    /// <summary>
    /// PKH's components for the members' ages on <paramref name="today"/>: a child under 6, a primary,
    /// junior or senior high school child, a member of 60 or over. A household with none of these is
    /// enrolled for a severe disability, so that every seeded household is owed something.
    /// </summary>
    public static IReadOnlyList<PkhComponent> ComponentsOf(IReadOnlyList<HouseholdMember> members, DateOnly today)
    {
        var components = members
            .Select(member => AgeOn(member.BirthDate, today) switch
            {
                < 6 => PkhComponent.PregnancyOrEarlyChildhood,
                <= 12 => PkhComponent.PrimarySchoolChild,
                <= 15 => PkhComponent.JuniorHighChild,
                <= 18 => PkhComponent.SeniorHighChild,
                >= 60 => PkhComponent.Elderly,
                _ => PkhComponent.Unspecified,
            })
            .Where(component => component != PkhComponent.Unspecified)
            .Distinct()
            .Order()
            .ToList();
        return components.Count > 0 ? components : [PkhComponent.SevereDisability];
    }

    /// <summary>The member the payment goes to, by the programmes' rule (<see cref="Entitlements.RecipientOf"/>) with every member confirmed and living.</summary>
    private static HouseholdMember? RecipientOf(IReadOnlyList<HouseholdMember> members) =>
        members.FirstOrDefault(member => member.Sex == Sex.Female && member.Relationship is Relationship.Head or Relationship.Spouse)
        ?? members.FirstOrDefault(member => member.Relationship == Relationship.Head);

    private static int AgeOn(DateOnly birth, DateOnly today) => today.Year - birth.Year - (today < birth.AddYears(today.Year - birth.Year) ? 1 : 0);
}
