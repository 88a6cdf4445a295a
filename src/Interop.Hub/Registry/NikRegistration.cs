using Marten;

namespace Interop.Hub.Registry;

/// <summary>
/// The household in which a NIK is active: one at most. Kept in the same transaction as the events
/// that add or release it; inserting a NIK another commit just took fails that commit. Its
/// screening key (village and birth date) finds likely duplicates: the same person under another NIK.
/// </summary>
internal sealed record NikRegistration(string Id, Guid HouseholdId, string? ScreeningKey = null)
{
    /// <summary>Where likely duplicates of a person are looked for: the same village and the same birth date.</summary>
    public static string KeyOf(string villageCode, DateOnly birthDate) => $"{villageCode}/{birthDate:yyyy-MM-dd}";

    /// <summary>Registers the members' NIKs to the household; fails the commit if any is taken meanwhile.</summary>
    public static void Register(IDocumentSession session, Guid householdId, string villageCode, IEnumerable<HouseholdMember> members)
    {
        foreach (var registration in For(householdId, villageCode, members))
        {
            session.Insert(registration);
        }
    }

    public static IEnumerable<NikRegistration> For(Guid householdId, string villageCode, IEnumerable<HouseholdMember> members) =>
        members.Select(member => new NikRegistration(member.Nik, householdId, KeyOf(villageCode, member.BirthDate)));

    /// <summary>The household moved: its members are now looked for in the new village.</summary>
    public static void Move(IDocumentSession session, Guid householdId, string villageCode, IEnumerable<HouseholdMember> members)
    {
        foreach (var member in members)
        {
            session.Store(new NikRegistration(member.Nik, householdId, KeyOf(villageCode, member.BirthDate)));
        }
    }

    /// <summary>Releases the NIKs held by the household (only those it holds).</summary>
    public static void Release(IDocumentSession session, Guid householdId, IEnumerable<string> niks)
    {
        foreach (var nik in niks)
        {
            session.DeleteWhere<NikRegistration>(registration => registration.Id == nik && registration.HouseholdId == householdId);
        }
    }
}
