using Interop.Contracts.Registry.V1;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>Lifecycle requests as partners build them: based on the household as last read, each under a fresh idempotency key.</summary>
public static class HouseholdRequests
{
    private static int evidence;

    public static ChangeHouseholdRequest For(Household household, ChangeHouseholdRequest change) => For(household, "test", change);

    /// <summary>The step <paramref name="change"/>, addressed to the household at the version it was read (or the one given).</summary>
    public static ChangeHouseholdRequest For(Household household, string reason, ChangeHouseholdRequest change, long? expectedVersion = null)
    {
        var request = change.Clone();
        request.HouseholdId = household.HouseholdId;
        request.ExpectedVersion = expectedVersion ?? household.Version;
        request.Reason = reason;
        request.EvidenceReference = $"EVIDENCE-{Interlocked.Increment(ref evidence)}";
        request.IdempotencyKey = $"key-{Guid.NewGuid():N}";
        return request;
    }

    /// <summary>The civil registry confirming the people named (members, or people of pending additions).</summary>
    public static ChangeHouseholdRequest Confirm(params string[] niks)
    {
        var verify = new VerifyIdentities();
        verify.Checks.Add(niks.Select(nik => new IdentityCheck { Nik = nik, Verdict = IdentityVerdict.Confirmed }));
        return new ChangeHouseholdRequest { VerifyIdentities = verify };
    }

    /// <summary>The civil registry confirming every member.</summary>
    public static ChangeHouseholdRequest VerifyAll(Household household)
    {
        var verify = new VerifyIdentities();
        verify.Checks.Add(household.Members.Select(member => new IdentityCheck { Nik = member.Nik, Verdict = IdentityVerdict.Confirmed }));
        return new ChangeHouseholdRequest { VerifyIdentities = verify };
    }
}
