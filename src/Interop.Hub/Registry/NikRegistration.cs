using Marten;

namespace Interop.Hub.Registry;

/// <summary>
/// The household in which a NIK is active: one at most. Kept in the same transaction as the events
/// that add or release it; inserting a NIK another commit just took fails that commit.
/// </summary>
internal sealed record NikRegistration(string Id, Guid HouseholdId)
{
    /// <summary>Registers the NIKs to the household; fails the commit if any is taken meanwhile.</summary>
    public static void Register(IDocumentSession session, Guid householdId, IEnumerable<string> niks)
    {
        foreach (var nik in niks)
        {
            session.Insert(new NikRegistration(nik, householdId));
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
