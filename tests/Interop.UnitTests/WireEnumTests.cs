using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Registry;
using Interop.Hub.Registry.Conflicts;
using Interop.Hub.Registry.Reconciliation;
using V1 = Interop.Contracts.Registry.V1;
using V2 = Interop.Contracts.Registry.V2;

namespace Interop.UnitTests;

/// <summary>Every enum that crosses the wire, in every contract version, value by value, both ways.</summary>
public sealed class WireEnumTests
{
    [Fact]
    public void Every_value_of_the_registers_enums_has_its_namesake_in_v1_and_back()
    {
        AssertRoundTrip<Sex, V1.Sex>();
        AssertRoundTrip<Relationship, V1.Relationship>();
        AssertRoundTrip<HouseholdStatus, V1.HouseholdStatus>();
        AssertRoundTrip<SocialProgram, V1.Program>();
        AssertRoundTrip<PkhComponent, V1.PkhComponent>();
        AssertRoundTrip<PartnerKind, V1.PartnerKind>();
        AssertRoundTrip<IdentityStatus, V1.IdentityStatus>();
        AssertRoundTrip<IdentityVerdict, V1.IdentityVerdict>();
        AssertRoundTrip<ConflictKind, V1.ConflictKind>();
        AssertRoundTrip<ConflictResolution, V1.ConflictResolution>();
        AssertRoundTrip<DiscrepancyKind, V1.DiscrepancyKind>();
    }

    [Fact]
    public void Every_value_of_the_registers_enums_has_its_namesake_in_v2_and_back()
    {
        AssertRoundTrip<Sex, V2.Sex>();
        AssertRoundTrip<Relationship, V2.Relationship>();
        AssertRoundTrip<HouseholdStatus, V2.HouseholdStatus>();
        AssertRoundTrip<SocialProgram, V2.Program>();
        AssertRoundTrip<PkhComponent, V2.PkhComponent>();
        AssertRoundTrip<PartnerKind, V2.PartnerKind>();
        AssertRoundTrip<IdentityStatus, V2.IdentityStatus>();
    }

    [Fact]
    public void Every_value_of_the_disbursement_enums_has_its_namesake_in_disbursement_v1_and_back()
    {
        AssertRoundTrip<SocialProgram, Interop.Contracts.Disbursement.V1.Program>();
        AssertRoundTrip<Interop.Hub.Disbursements.Batches.BatchStatus, Interop.Contracts.Disbursement.V1.BatchStatus>();
        AssertRoundTrip<Interop.Hub.Disbursements.Confirmations.PaymentStatus, Interop.Contracts.Disbursement.V1.PaymentStatus>();
        AssertRoundTrip<Interop.Hub.Disbursements.Reconciliation.LineOutcome, Interop.Contracts.Disbursement.V1.LineOutcome>();
    }

    [Fact]
    public void Every_kind_of_access_log_entry_has_its_namesake_in_audit_v1_and_back() =>
        AssertRoundTrip<Interop.Hub.Audit.AccessLog.AccessEntryKind, Interop.Contracts.Audit.V1.AccessEntryKind>();

    [Fact]
    public void A_wire_value_the_register_does_not_name_maps_to_its_unspecified_value()
    {
        Assert.Equal(Sex.Unspecified, WireEnum<Sex>.From(V1.Sex.Unspecified));
        Assert.Equal(Sex.Unspecified, WireEnum<Sex>.From((V1.Sex)99));
        Assert.Equal(V1.Relationship.Unspecified, WireEnum<V1.Relationship>.From((Relationship)99));
    }

    /// <summary>
    /// Each of the register's values reaches a distinct wire value of the same name, and comes back
    /// as itself; each wire value other than UNSPECIFIED has a namesake in the register.
    /// </summary>
    private static void AssertRoundTrip<TDomain, TWire>()
        where TDomain : struct, Enum
        where TWire : struct, Enum
    {
        var reached = new HashSet<TWire>();
        foreach (var value in Enum.GetValues<TDomain>())
        {
            var wire = WireEnum<TWire>.From(value);
            Assert.Equal(value.ToString(), wire.ToString());
            Assert.True(reached.Add(wire), $"{typeof(TDomain).Name}.{value} shares its wire value");
            Assert.Equal(value, WireEnum<TDomain>.From(wire));
        }

        foreach (var wire in Enum.GetValues<TWire>().Where(wire => wire.ToString() != "Unspecified"))
        {
            Assert.True(Enum.IsDefined(typeof(TDomain), wire.ToString()), $"{typeof(TWire).FullName}.{wire} has no namesake in the register");
        }
    }
}
