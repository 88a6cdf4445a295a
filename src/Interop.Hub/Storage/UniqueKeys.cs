using Interop.Hub.Registry.ChangeHousehold;
using Marten;

namespace Interop.Hub.Storage;

/// <summary>Queues the key changes a decision made (<see cref="KeyRules"/>) in the session that stores its events.</summary>
internal static class UniqueKeys
{
    public static void Queue(IDocumentSession session, IEnumerable<KeyChange> steps)
    {
        foreach (var step in steps)
        {
            switch (step)
            {
                case KeyChange.Register register:
                    NikRegistration.Register(session, register.HouseholdId, register.VillageCode, register.Members);
                    break;
                case KeyChange.Move move:
                    NikRegistration.Move(session, move.HouseholdId, move.VillageCode, move.Members);
                    break;
                case KeyChange.Release release:
                    NikRegistration.Release(session, release.HouseholdId, release.Niks);
                    break;
                case KeyChange.TakeCard card:
                    FamilyCardRegistration.Insert(session, [(card.FamilyCardNumber, card.HouseholdId)]);
                    break;
                case KeyChange.ReleaseCard card:
                    FamilyCardRegistration.Release(session, card.HouseholdId);
                    break;
                default:
                    throw new InvalidOperationException($"No storage for the key change {step.GetType().Name}.");
            }
        }
    }
}
