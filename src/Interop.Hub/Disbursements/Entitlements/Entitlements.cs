using Interop.Hub.Registry;

namespace Interop.Hub.Disbursements.Entitlements;

/// <summary>What one household is owed for a payment round, as the registry stood at the batch's cut-off.</summary>
internal abstract record Entitlement
{
    /// <summary>Owed <paramref name="Amount"/> whole rupiah, paid to <paramref name="Recipient"/>.</summary>
    public sealed record Owed(long Amount, HouseholdMember Recipient) : Entitlement;

    /// <summary>Owed nothing this round, and why (for the batch's list of households left out).</summary>
    public sealed record NotOwed(string Reason) : Entitlement;
}

/// <summary>
/// The amounts of the programmes (../shared/DOMAIN.md, "Programs and payments"), and who is owed
/// what. Pure: the household as it stood at the cut-off in, an entitlement out; money is a whole
/// number of rupiah, never a float, and every stage amount divides the yearly amount exactly.
/// </summary>
internal static class Entitlements
{
    /// <summary>PKH's yearly amount for each family component it pays for, in rupiah.</summary>
    public static IReadOnlyDictionary<PkhComponent, long> PkhYearlyAmounts { get; } = new Dictionary<PkhComponent, long>
    {
        [PkhComponent.PregnancyOrEarlyChildhood] = 3_000_000,
        [PkhComponent.PrimarySchoolChild] = 900_000,
        [PkhComponent.JuniorHighChild] = 1_500_000,
        [PkhComponent.SeniorHighChild] = 2_000_000,
        [PkhComponent.SevereDisability] = 2_400_000,
        [PkhComponent.Elderly] = 2_400_000,
    };

    /// <summary>BPNT (Sembako): Rp 200,000 a month, paid for two months at a time.</summary>
    public const long BpntMonthlyAmount = 200_000;

    public static Entitlement Of(Household household, ProgrammeStage round)
    {
        if (household.Status != HouseholdStatus.Active)
        {
            return new Entitlement.NotOwed($"the household is {household.Status.ToString().ToLowerInvariant()}, not active");
        }

        if (household.OpenConflictCaseId is not null)
        {
            // A household held in a conflict case may be a duplicate: paying it could pay a family twice.
            return new Entitlement.NotOwed("the household is held in an open conflict case");
        }

        if (household.Programs.FirstOrDefault(membership => membership.Program == round.Programme) is not { } membership)
        {
            return new Entitlement.NotOwed($"the household is not enrolled in {round.Programme.ToString().ToUpperInvariant()}");
        }

        if (RecipientOf(household) is not { } recipient)
        {
            return new Entitlement.NotOwed("the household has no living member whose identity is confirmed to receive the payment");
        }

        var amount = round.Programme switch
        {
            SocialProgram.Pkh => membership.Components.Distinct().Sum(component => PkhYearlyAmounts.GetValueOrDefault(component)) / ProgrammeStage.StagesPerYear(SocialProgram.Pkh),
            SocialProgram.Bpnt => BpntMonthlyAmount * (12 / ProgrammeStage.StagesPerYear(SocialProgram.Bpnt)),
            _ => 0,
        };
        return amount > 0
            ? new Entitlement.Owed(amount, recipient)
            : new Entitlement.NotOwed($"the household's {round.Programme.ToString().ToUpperInvariant()} membership names no component that is paid");
    }

    /// <summary>
    /// Who receives the household's payment: the mother (a woman who is the head or the head's
    /// spouse), else the head; always a living member whose identity the civil registry confirmed or
    /// the steward excepted. None when no such member exists.
    /// </summary>
    public static HouseholdMember? RecipientOf(Household household)
    {
        var payable = household.Members.Where(member => !household.Deaths.ContainsKey(member.Nik) && household.IsCleared(member)).ToList();
        return payable.FirstOrDefault(member => member.Sex == Sex.Female && member.Relationship is Relationship.Head or Relationship.Spouse)
            ?? payable.FirstOrDefault(member => member.Relationship == Relationship.Head);
    }
}
