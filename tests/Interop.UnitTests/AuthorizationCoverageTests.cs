using System.Reflection;
using Interop.Hub.Grpc;
using Microsoft.AspNetCore.Authorization;

namespace Interop.UnitTests;

public sealed class AuthorizationCoverageTests
{
    /// <summary>Deny by default is backed by a rule: every RPC the hub implements names the policy that guards it.</summary>
    [Fact]
    public void Every_rpc_the_hub_serves_names_its_policy()
    {
        var services = typeof(RegistryGrpcService).Assembly.GetTypes()
            .Where(type => type.Namespace == typeof(RegistryGrpcService).Namespace && type.BaseType?.GetCustomAttribute<global::Grpc.Core.BindServiceMethodAttribute>() is not null)
            .ToList();
        Assert.NotEmpty(services);

        var unguarded = services
            .SelectMany(service => service.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(method => method.GetBaseDefinition().DeclaringType != method.DeclaringType)
                .Where(method => method.GetCustomAttribute<AuthorizeAttribute>()?.Policy is not { Length: > 0 })
                .Select(method => $"{service.Name}.{method.Name}"))
            .ToList();

        Assert.Empty(unguarded);
        var unknown = services
            .SelectMany(service => service.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(method => method.GetCustomAttribute<AuthorizeAttribute>()?.Policy)
            .OfType<string>()
            .Where(policy => !Interop.Hub.Partners.PartnerAccess.IsPolicy(policy))
            .ToList();
        Assert.Empty(unknown);
    }

    /// <summary>Whether a call needs a purpose, a view and an access log entry is declared too: every RPC says whether it reads personal data.</summary>
    [Fact]
    public void Every_rpc_says_whether_it_reads_personal_data()
    {
        var methods = typeof(RegistryGrpcService).Assembly.GetTypes()
            .Where(type => type.Namespace == typeof(RegistryGrpcService).Namespace && type.BaseType?.GetCustomAttribute<global::Grpc.Core.BindServiceMethodAttribute>() is not null)
            .SelectMany(service => service.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(method => method.GetBaseDefinition().DeclaringType != method.DeclaringType))
            .ToList();

        var undeclared = methods
            .Where(method => (method.GetCustomAttribute<ReadsPersonalDataAttribute>() is null) == (method.GetCustomAttribute<ReadsNoPersonalDataAttribute>() is null))
            .Select(method => $"{method.DeclaringType!.Name}.{method.Name}")
            .ToList();

        Assert.Empty(undeclared);
        // The methods that answer with a household, its history or identity numbers are among those that read.
        var reading = methods.Where(method => method.GetCustomAttribute<ReadsPersonalDataAttribute>() is not null).Select(method => $"{method.DeclaringType!.Name}.{method.Name}").ToHashSet();
        Assert.Superset(
            new HashSet<string>
            {
                "RegistryGrpcService.GetHousehold", "RegistryGrpcService.StreamHouseholdHistory", "RegistryGrpcService.SearchHouseholds", "RegistryGrpcService.StreamChanges",
                "RegistryGrpcService.GetConflictCase", "RegistryGrpcService.ChangeHousehold", "RegistryV2GrpcService.GetHousehold", "RegistryV2GrpcService.SearchHouseholds",
                "ReconciliationGrpcService.ReconcileIdentities",
            },
            reading);
    }

    [Theory]
    [InlineData(typeof(Interop.Contracts.Audit.V1.AccessLogService.AccessLogServiceBase), typeof(AccessLogGrpcService))]
    [InlineData(typeof(Interop.Contracts.Audit.V1.AuditLogService.AuditLogServiceBase), typeof(AuditLogGrpcService))]
    [InlineData(typeof(Interop.Contracts.Audit.V1.ReplayService.ReplayServiceBase), typeof(ReplayGrpcService))]
    [InlineData(typeof(Interop.Contracts.Registry.V1.RegistryService.RegistryServiceBase), typeof(RegistryGrpcService))]
    [InlineData(typeof(Interop.Contracts.Registry.V2.RegistryService.RegistryServiceBase), typeof(RegistryV2GrpcService))]
    [InlineData(typeof(Interop.Contracts.Hub.V1.HubService.HubServiceBase), typeof(HubGrpcService))]
    [InlineData(typeof(Interop.Contracts.Registry.V1.ReconciliationService.ReconciliationServiceBase), typeof(ReconciliationGrpcService))]
    [InlineData(typeof(Interop.Contracts.Partners.V1.PartnerAdminService.PartnerAdminServiceBase), typeof(PartnerAdminGrpcService))]
    public void Every_rpc_of_the_contract_is_implemented(Type contract, Type service)
    {
        var implemented = service.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Select(method => method.Name)
            .ToHashSet();

        Assert.All(
            contract.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Where(method => method.IsVirtual),
            method => Assert.Contains(method.Name, implemented));
    }
}
