using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;

namespace Interop.IntegrationTests;

/// <summary>
/// Logs an operator can use: expected events (a NIK already taken and the batch retried, a lost race
/// answered ABORTED) are not errors with stack traces, and no failing write puts a NIK or a name in
/// any line the hub writes, even with the storage libraries' logging turned up to debug.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class OperatorLogTests(PostgresCluster postgres, TestPki pki, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_taken_nik_and_lost_races_leave_no_error_no_stack_trace_and_no_personal_data_in_the_log()
    {
        var connectionString = await postgres.CreateDatabaseAsync("operatorlog");
        await using var hub = await HubProcess.StartAsync(
            pki, connectionString, "--Logging:LogLevel:Default=Information", "--Logging:LogLevel:Marten=Debug", "--Logging:LogLevel:Npgsql=Debug");
        var registry = new RegistryService.RegistryServiceClient(Channel(hub));
        var existing = Households.Valid("LOG-1", 1501);
        Assert.Empty(Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(registry, [existing])).Accepted.ConflictCaseId);

        // A failing write that carries NIKs and names: the batch is inserted without a lookup, fails
        // on the taken NIK's registration, and is stored again with the lookup.
        var taken = Households.Valid("LOG-2", 1502);
        taken.Household.Members[0].FullName = "Kadek Wirasatya Log";
        taken.Household.Members[1] = existing.Household.Members[1].Clone();
        var outcomes = await SubmittingHouseholdsTests.SubmitAsync(registry, [Households.Valid("LOG-3", 1503), taken]);
        Assert.Equal([false, true], outcomes.Select(outcome => outcome.Accepted.ConflictCaseId.Length > 0));

        // Lost races: changes based on the same version at once; one wins, the others are ABORTED.
        var household = (await registry.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = (await SubmittingHouseholdsTests.SubmitAsync(registry, [Households.Valid("LOG-4", 1504)]))[0].Accepted.HouseholdId })).Household;
        var racing = await Task.WhenAll(Enumerable.Range(0, 8).Select(async index =>
        {
            try
            {
                await registry.ChangeHouseholdAsync(HouseholdRequests.For(household, "moved", new ChangeHouseholdRequest
                {
                    ChangeAddress = new ChangeAddress { VillageCode = "32.73.01.1003", AddressLine = $"Jl. Braga No. {index}" },
                }));
                return StatusCode.OK;
            }
            catch (RpcException refusal)
            {
                return refusal.StatusCode;
            }
        }));
        Assert.Equal(1, racing.Count(status => status == StatusCode.OK));
        Assert.All(racing.Where(status => status != StatusCode.OK), status => Assert.Equal(StatusCode.Aborted, status));

        // Give the hub a moment to flush its console log.
        await Task.Delay(500);
        var log = hub.Log;
        foreach (var line in log.Where(line => line.Contains("failed:", StringComparison.Ordinal) || line.Contains("lost a race", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }

        Assert.Contains(log, line => line.Contains("SubmitHouseholds", StringComparison.Ordinal));
        string[] personal = [.. new[] { existing, taken }.SelectMany(request => request.Household.Members).SelectMany(member => new[] { member.Nik, member.FullName })];
        Assert.All(log, line => Assert.DoesNotContain(personal, value => line.Contains(value, StringComparison.Ordinal)));
        Assert.DoesNotContain(log, line => line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal));
        Assert.DoesNotContain(log, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        // The failing commits happened, and were told as what they are.
        Assert.Contains(log, line => line.Contains("lost a race (23505 on nik_registration)", StringComparison.Ordinal));
    }

    private Grpc.Net.Client.GrpcChannel Channel(HubProcess hub) => Interop.Cli.HubConnection.Open(hub.Address, pki.Bandung, pki.Ca, purpose: StoryPurposes.Of(pki.Bandung));
}
