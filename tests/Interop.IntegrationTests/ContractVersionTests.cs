using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Registry.V1;
using Interop.IntegrationTests.Infrastructure;
using V2 = Interop.Contracts.Registry.V2;

namespace Interop.IntegrationTests;

/// <summary>interop.registry.v2 is served beside v1 from the same store; v1 stays exactly as released.</summary>
[Collection(HubCollection.Name)]
public sealed class ContractVersionTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "versions")
{

    private V2.RegistryService.RegistryServiceClient V2Client(System.Security.Cryptography.X509Certificates.X509Certificate2 partner) => new(Hub.Channel(partner));

    [Fact]
    public async Task V1_writes_and_both_versions_read_the_same_household_at_every_step()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 971);
        await AssertSameViewAsync(household);

        var enrolled = await HouseholdSteps.ChangeAsync(Hub.Registry(Pki.Steward), household, "enrolment decree", new ChangeHouseholdRequest
        {
            EnrollInProgram = new EnrollInProgram { Membership = new ProgramMembership { Program = Interop.Contracts.Registry.V1.Program.Pkh, Components = { PkhComponent.Elderly } } },
        });
        await AssertSameViewAsync(enrolled);

        // v2's search sees what v1 wrote, with v2's read mask applied to every household of the page.
        var found = await V2Client(Pki.Auditor).SearchHouseholdsAsync(new V2.SearchHouseholdsRequest
        {
            Nik = household.Members[1].Nik,
            ReadMask = new FieldMask { Paths = { "programs" } },
        });
        var only = Assert.Single(found.Households);
        Assert.Equal((enrolled.HouseholdId, enrolled.Version), (only.HouseholdId, only.Version));
        Assert.Equal([(V2.Program.Pkh, V2.PkhComponent.Elderly)], only.Programs.Select(p => (p.Program, Assert.Single(p.Components))));
        Assert.Empty(only.Members);
    }

    [Fact]
    public async Task A_v2_read_mask_leaves_personal_data_out_and_keeps_what_it_names()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 972);

        var masked = (await V2Client(Pki.Auditor).GetHouseholdAsync(new V2.GetHouseholdRequest
        {
            HouseholdId = household.HouseholdId,
            ReadMask = new FieldMask { Paths = { "status", "location.regency_code", "members.relationship" } },
        })).Household;

        var expected = new V2.Household
        {
            HouseholdId = household.HouseholdId,
            Version = household.Version,
            Status = V2.HouseholdStatus.Active,
            Location = new V2.Location { RegencyCode = "32.73" },
            Members = { household.Members.Select(member => new V2.Member { Relationship = (V2.Relationship)(int)member.Relationship }) },
        };
        Assert.Equal(expected, masked);
        Assert.DoesNotContain(household.Members[0].Nik, masked.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task V2_replays_a_household_as_it_was_after_a_version_or_at_a_moment()
    {
        var ratified = await HouseholdSteps.ActiveAsync(Hub, Pki, 975);
        var moved = await HouseholdSteps.ChangeAsync(Hub.Registry(Pki.Steward), ratified, "moved to Semarang", new ChangeHouseholdRequest
        {
            ChangeAddress = new ChangeAddress { VillageCode = "33.74.01.1001", AddressLine = "Jl. Pemuda 1" },
        });
        var history = await HouseholdSteps.HistoryAsync(Hub, Pki, ratified.HouseholdId);
        var client = V2Client(Pki.Auditor);
        async Task<V2.Household> ReadAsync(Action<V2.GetHouseholdRequest> asOf)
        {
            var request = new V2.GetHouseholdRequest { HouseholdId = ratified.HouseholdId, ReadMask = new FieldMask { Paths = { "status", "location.village_code" } } };
            asOf(request);
            return (await client.GetHouseholdAsync(request)).Household;
        }

        var now = await ReadAsync(_ => { });
        var byVersion = await ReadAsync(request => request.AsOfVersion = ratified.Version);
        var byMoment = await ReadAsync(request => request.AsOfTime = history[(int)ratified.Version - 1].OccurTime);
        var beforeProposal = await Assert.ThrowsAsync<RpcException>(() => ReadAsync(request => request.AsOfTime = Timestamp.FromDateTimeOffset(history[0].OccurTime.ToDateTimeOffset().AddSeconds(-1))));
        var beyond = await Assert.ThrowsAsync<RpcException>(() => ReadAsync(request => request.AsOfVersion = moved.Version + 1));
        var zero = await Assert.ThrowsAsync<RpcException>(() => ReadAsync(request => request.AsOfVersion = 0));

        Assert.Equal((moved.Version, "33.74.01.1001"), (now.Version, now.Location.VillageCode));
        Assert.Equal((ratified.Version, V2.HouseholdStatus.Active, ratified.VillageCode), (byVersion.Version, byVersion.Status, byVersion.Location.VillageCode));
        Assert.Equal(byVersion, byMoment);
        Assert.Equal(StatusCode.NotFound, beforeProposal.StatusCode);
        Assert.Equal(StatusCode.OutOfRange, beyond.StatusCode);
        Assert.Equal(["as_of_version"], FieldsOf(zero));
    }

    [Fact]
    public async Task V2_refuses_a_bad_read_mask_or_id_with_the_field_named_and_a_bank_may_not_read()
    {
        var household = await HouseholdSteps.ProposeAsync(Hub, Pki, 973);
        var client = V2Client(Pki.Auditor);

        var badMask = await Assert.ThrowsAsync<RpcException>(() => client.GetHouseholdAsync(new V2.GetHouseholdRequest
        {
            HouseholdId = household.HouseholdId,
            ReadMask = new FieldMask { Paths = { "status", "members.identity.shoe_size" } },
        }).ResponseAsync);
        var badId = await Assert.ThrowsAsync<RpcException>(() => client.GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = "42" }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = Guid.NewGuid().ToString() }).ResponseAsync);
        var badSearch = await Assert.ThrowsAsync<RpcException>(() => client.SearchHouseholdsAsync(new V2.SearchHouseholdsRequest
        {
            RegionPrefix = "32",
            ReadMask = new FieldMask { Paths = { "location.planet" } },
        }).ResponseAsync);
        var bank = await Assert.ThrowsAsync<RpcException>(() => V2Client(Pki.Bank).GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = household.HouseholdId }).ResponseAsync);
        // A conflict case's id is a stream's id too, but no household's, now or as of its first event.
        var duplicate = Households.Valid("VERSIONS-976", 976);
        duplicate.Household.Members[1] = household.Members[1].Clone();
        var caseId = Assert.Single(await SubmittingHouseholdsTests.SubmitAsync(Hub.Registry(Pki.Bandung), [duplicate])).Accepted.ConflictCaseId;
        var caseNow = await Assert.ThrowsAsync<RpcException>(() => client.GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = caseId }).ResponseAsync);
        var caseAsOf = await Assert.ThrowsAsync<RpcException>(() => client.GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = caseId, AsOfVersion = 1 }).ResponseAsync);

        Assert.Equal(["read_mask.paths[1]"], FieldsOf(badMask));
        Assert.Equal(["household_id"], FieldsOf(badId));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(["read_mask.paths[0]"], FieldsOf(badSearch));
        Assert.Equal(StatusCode.PermissionDenied, bank.StatusCode);
        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (caseNow.StatusCode, caseAsOf.StatusCode));
    }

    [Fact]
    public void The_v1_contract_the_hub_is_built_with_is_exactly_the_released_one()
    {
        // The released contract, as committed when v1 was published (contracts/baselines, see docs/contracts.md).
        var released = FileDescriptorSet.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(Repository.Root, "contracts", "baselines", "v1.binpb")));
        var built = new[] { HouseholdReflection.Descriptor, RegistryServiceReflection.Descriptor, ReconciliationServiceReflection.Descriptor, Interop.Contracts.Hub.V1.HubServiceReflection.Descriptor };

        foreach (var file in built)
        {
            var baseline = released.File.Single(candidate => candidate.Name == file.Name).Clone();
            // Comments, the JSON names protoc derives from field names and buf's own image metadata
            // (unknown fields here, not shown in the JSON form compared) are not in the compiled descriptor.
            baseline.SourceCodeInfo = null;
            ClearJsonNames(baseline.MessageType);
            Assert.Equal(baseline.ToString(), file.ToProto().ToString());
        }
    }

    [Fact]
    public async Task A_node_client_generated_from_the_protos_with_buf_reads_v2_over_mutual_tls()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 974);
        var (certificate, key) = Pki.WritePem(Pki.Auditor, "node-auditor");

        // Generated as docs/contracts.md says, then run as a partner's own program would be.
        Assert.Equal(0, (await RunAsync("npx", "--no-install", "buf", "generate", "--template", "clients/node/buf.gen.yaml")).ExitCode);
        var (exitCode, output, error) = await RunAsync(
            "node", "clients/node/get-household.js", Hub.Address.ToString().TrimEnd('/'), Pki.CaPath, certificate, key, household.HouseholdId, "status", "members.relationship");

        Assert.True(exitCode == 0, error);
        var read = V2.Household.Parser.ParseJson(output);
        Assert.Equal((household.HouseholdId, household.Version, V2.HouseholdStatus.Active), (read.HouseholdId, read.Version, read.Status));
        Assert.Equal(household.Members.Select(member => (int)member.Relationship), read.Members.Select(member => (int)member.Relationship));
        Assert.All(read.Members, member => Assert.Null(member.Identity));

        var refused = await RunAsync("node", "clients/node/get-household.js", Hub.Address.ToString().TrimEnd('/'), Pki.CaPath, certificate, key, "42");
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("3:", refused.Error, StringComparison.Ordinal);
    }

    /// <summary>The same household through v1 and v2: every attribute v2 shows agrees with v1's.</summary>
    private async Task AssertSameViewAsync(Household v1)
    {
        var v2 = (await V2Client(Pki.Auditor).GetHouseholdAsync(new V2.GetHouseholdRequest { HouseholdId = v1.HouseholdId })).Household;

        Assert.Equal((v1.HouseholdId, v1.Version, (int)v1.Status, v1.FamilyCardNumber), (v2.HouseholdId, v2.Version, (int)v2.Status, v2.FamilyCardNumber));
        Assert.Equal((v1.VillageCode, v1.AddressLine, "32.73"), (v2.Location.VillageCode, v2.Location.AddressLine, v2.Location.RegencyCode));
        Assert.Equal(
            v1.Members.Select(m => (m.Nik, m.FullName, m.BirthDate, (int)m.Sex, (int)m.Relationship)),
            v2.Members.Select(m => (m.Identity.Nik, m.Identity.FullName, m.Identity.BirthDate, (int)m.Identity.Sex, (int)m.Relationship)));
        Assert.Equal(
            v1.Programs.Select(p => $"{(int)p.Program}:{string.Join(',', p.Components.Select(c => (int)c))}"),
            v2.Programs.Select(p => $"{(int)p.Program}:{string.Join(',', p.Components.Select(c => (int)c))}"));
        Assert.Equal((v1.ProposedBy.PartnerId, v1.PartnerReference, v1.CreateTime, v1.UpdateTime), (v2.Provenance.ProposedByPartnerId, v2.Provenance.PartnerReference, v2.Provenance.CreateTime, v2.Provenance.UpdateTime));
    }

    // The node client names its purpose from the environment, as a partner's program would be configured.
    private static Task<(int ExitCode, string Output, string Error)> RunAsync(string program, params string[] arguments) =>
        ProcessRun.RunAsync(program, arguments, new Dictionary<string, string> { ["INTEROP_PURPOSE"] = "audit-examination" });

    private static void ClearJsonNames(IEnumerable<DescriptorProto> messages)
    {
        foreach (var message in messages)
        {
            foreach (var field in message.Field)
            {
                field.ClearJsonName();
            }

            ClearJsonNames(message.NestedType);
        }
    }

    private static List<string> FieldsOf(RpcException exception)
    {
        Assert.Equal(StatusCode.InvalidArgument, exception.StatusCode);
        return exception.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(violation => violation.Field).ToList();
    }
}
