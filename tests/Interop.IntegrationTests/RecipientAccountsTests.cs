using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Interop.Contracts.Disbursement.V1;
using Interop.IntegrationTests.Infrastructure;
using RegistryV1 = Interop.Contracts.Registry.V1;

namespace Interop.IntegrationTests;

/// <summary>
/// Opening recipients' accounts in bulk (buka rekening kolektif): the steward sends recipients to a
/// bank, the bank reads its requests and reports each account opened or refused; only the steward
/// and that bank ever see an account number.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class RecipientAccountsTests(PostgresCluster postgres, TestPki pki) : HubStory(postgres, pki, "recipient_accounts")
{
    private AccountOpeningService.AccountOpeningServiceClient Steward => new(Hub.Channel(Pki.Steward, purpose: "disbursement-issuing"));

    private AccountOpeningService.AccountOpeningServiceClient Bri => new(Hub.Channel(Pki.Bank, purpose: "account-opening"));

    private AccountOpeningService.AccountOpeningServiceClient Bni => new(Hub.Channel(Pki.SecondBank, purpose: "account-opening"));

    [Fact]
    public async Task The_steward_asks_bri_for_accounts_bri_reads_its_requests_and_reports_each_once()
    {
        var first = await HouseholdSteps.ActiveAsync(Hub, Pki, 931);
        var second = await HouseholdSteps.ActiveAsync(Hub, Pki, 932);
        var third = await HouseholdSteps.ActiveAsync(Hub, Pki, 933);
        var proposed = await HouseholdSteps.ProposeAsync(Hub, Pki, 934);
        var unknown = Guid.NewGuid().ToString();

        var asked = await Steward.RequestAccountsAsync(Request("bri", first.HouseholdId, second.HouseholdId, third.HouseholdId, proposed.HouseholdId, "not-an-id", unknown));

        Assert.Equal(
            [AccountRequestResult.Requested, AccountRequestResult.Requested, AccountRequestResult.Requested, AccountRequestResult.Refused, AccountRequestResult.Refused, AccountRequestResult.Refused],
            asked.Outcomes.Select(outcome => outcome.Result));
        Assert.Equal(
            [(int)Code.FailedPrecondition, (int)Code.InvalidArgument, (int)Code.NotFound],
            asked.Outcomes.Skip(3).Select(outcome => outcome.Refusal.Code));
        Assert.Equal("household_ids[4]", asked.Outcomes[4].Refusal.Details.Single().Unpack<BadRequest>().FieldViolations.Single().Field);
        // What is not an id the hub issued is not repeated (it could be a NIK sent by mistake).
        Assert.Equal(string.Empty, asked.Outcomes[4].HouseholdId);
        // Asking again writes nothing.
        var again = await Steward.RequestAccountsAsync(Request("bri", first.HouseholdId));
        Assert.Equal(AccountRequestResult.AlreadyRequested, again.Outcomes.Single().Result);
        Assert.Equal(first.Version + 1, (await HouseholdSteps.GetAsync(Hub, Pki, first.HouseholdId)).Version);

        // BRI reads its three requests with what opening an account needs; BNI has none.
        var requests = await ReadRequestsAsync(Bri, 0);
        Assert.Equal([first.HouseholdId, second.HouseholdId, third.HouseholdId], requests.Select(request => request.HouseholdId));
        Assert.Equal(first.Members[0].Nik, requests[0].Nik);
        Assert.Equal(("Siti Rahmawati", first.Members[0].BirthDate, "32.73.01.1002"), (requests[0].FullName, requests[0].BirthDate, requests[0].VillageCode));
        Assert.Empty(await ReadRequestsAsync(Bni, 0));
        // Resumed after the first, it sends the rest.
        Assert.Equal([second.HouseholdId, third.HouseholdId], (await ReadRequestsAsync(Bri, requests[0].Sequence)).Select(request => request.HouseholdId));

        var reports = new[]
        {
            Opened(first, "002101000123456", "6013010000123456"),
            Opened(second, "002101000654321", string.Empty),
            Refused(third, "BE01"),
        };
        var answers = await ReportAsync(Bri, reports);
        Assert.Equal([AccountReportResult.Recorded, AccountReportResult.Recorded, AccountReportResult.Recorded], answers.Select(answer => answer.Result));
        Assert.Equal([0L, 1, 2], answers.Select(answer => answer.Position));
        Assert.Empty(await ReadRequestsAsync(Bri, 0));

        // The same reports again change nothing; a different answer for an answered request is refused.
        var resent = await ReportAsync(Bri, [.. reports, Opened(first, "002101000999999", string.Empty)]);
        Assert.Equal(
            [AccountReportResult.AlreadyRecorded, AccountReportResult.AlreadyRecorded, AccountReportResult.AlreadyRecorded, AccountReportResult.Refused],
            resent.Select(answer => answer.Result));
        Assert.Equal((int)Code.FailedPrecondition, resent[3].Refusal.Code);
        Assert.Equal(first.Version + 2, (await HouseholdSteps.GetAsync(Hub, Pki, first.HouseholdId)).Version);

        var history = await HouseholdSteps.HistoryAsync(Hub, Pki, first.HouseholdId);
        Assert.Equal(
            [RegistryV1.HouseholdEvent.ChangeOneofCase.RecipientAccountRequested, RegistryV1.HouseholdEvent.ChangeOneofCase.RecipientAccountOpened],
            history.TakeLast(2).Select(change => change.ChangeCase));
        Assert.Equal(("kemensos-pusdatin", "bri"), (history[^2].Actor.PartnerId, history[^1].Actor.PartnerId));
        Assert.Equal("BE01", (await HouseholdSteps.HistoryAsync(Hub, Pki, third.HouseholdId))[^1].RecipientAccountRefused.ReasonCode);
    }

    [Fact]
    public async Task No_read_of_the_register_shows_an_account_number_not_even_the_stewards()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 941);
        await Steward.RequestAccountsAsync(Request("bri", household.HouseholdId));
        Assert.Equal(AccountReportResult.Recorded, (await ReportAsync(Bri, [Opened(household, "002101000777777", "6013010000777777")])).Single().Result);

        var read = (await HouseholdSteps.GetAsync(Hub, Pki, household.HouseholdId)).ToByteArray();
        var history = (await HouseholdSteps.HistoryAsync(Hub, Pki, household.HouseholdId)).SelectMany(change => change.ToByteArray()).ToArray();
        var audited = await new RegistryV1.RegistryService.RegistryServiceClient(Hub.Channel(Pki.Auditor, purpose: "audit-investigation"))
            .StreamHouseholdHistory(new RegistryV1.StreamHouseholdHistoryRequest { HouseholdId = household.HouseholdId }).ResponseStream.ReadAllAsync().ToListAsync();

        foreach (var bytes in new[] { read, history, audited.SelectMany(change => change.ToByteArray()).ToArray() })
        {
            Assert.False(Contains(bytes, "002101000777777"u8), "an account number in a read of the register");
            Assert.False(Contains(bytes, "6013010000777777"u8), "a card number in a read of the register");
        }
    }

    [Fact]
    public async Task Another_bank_cannot_answer_or_see_bris_requests_and_malformed_reports_are_refused_by_field()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 951);
        await Steward.RequestAccountsAsync(Request("bri", household.HouseholdId));

        var bni = await ReportAsync(Bni, [Opened(household, "1234567890", string.Empty)]);
        var bri = await ReportAsync(Bri, [Opened(household, "12345", string.Empty), Refused(household, "XX01"), new ReportAccountsRequest { HouseholdId = "garbage", Nik = household.Members[0].Nik, Refused = new AccountRefused { ReasonCode = "BE01" } }]);

        Assert.Equal((AccountReportResult.Refused, (int)Code.NotFound), (bni.Single().Result, bni.Single().Refusal.Code));
        Assert.Equal(
            ["opened.account_number", "refused.reason_code", "household_id"],
            bri.Select(answer => answer.Refusal.Details.Single().Unpack<BadRequest>().FieldViolations.Single().Field));
        Assert.Equal(household.Version + 1, (await HouseholdSteps.GetAsync(Hub, Pki, household.HouseholdId)).Version);
        // BRI's request is still open.
        Assert.Equal([household.HouseholdId], (await ReadRequestsAsync(Bri, 0)).Select(request => request.HouseholdId));
    }

    [Fact]
    public async Task A_wrong_account_number_is_replaced_by_asking_the_bank_again()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 971);
        await Steward.RequestAccountsAsync(Request("bri", household.HouseholdId));
        await ReportAsync(Bri, [Opened(household, "002101000971971", string.Empty)]);

        Assert.Equal(AccountRequestResult.AlreadyOpened, (await Steward.RequestAccountsAsync(Request("bri", household.HouseholdId))).Outcomes.Single().Result);
        var again = Request("bri", household.HouseholdId);
        again.ReplaceOpenedAccounts = true;
        Assert.Equal(AccountRequestResult.Requested, (await Steward.RequestAccountsAsync(again)).Outcomes.Single().Result);

        Assert.Equal([household.HouseholdId], (await ReadRequestsAsync(Bri, 0)).Select(request => request.HouseholdId));
        Assert.Equal(AccountReportResult.Recorded, (await ReportAsync(Bri, [Opened(household, "002101000971972", string.Empty)])).Single().Result);
        Assert.Equal(
            [RegistryV1.HouseholdEvent.ChangeOneofCase.RecipientAccountOpened, RegistryV1.HouseholdEvent.ChangeOneofCase.RecipientAccountRequested, RegistryV1.HouseholdEvent.ChangeOneofCase.RecipientAccountOpened],
            (await HouseholdSteps.HistoryAsync(Hub, Pki, household.HouseholdId)).TakeLast(3).Select(change => change.ChangeCase));
    }

    [Fact]
    public async Task Only_the_steward_asks_only_banks_answer_and_a_bank_names_its_purpose()
    {
        var household = await HouseholdSteps.ActiveAsync(Hub, Pki, 961);

        var bandung = await Assert.ThrowsAsync<RpcException>(() => new AccountOpeningService.AccountOpeningServiceClient(Hub.Channel(Pki.Bandung)).RequestAccountsAsync(Request("bri", household.HouseholdId)).ResponseAsync);
        var bankAsks = await Assert.ThrowsAsync<RpcException>(() => Bri.RequestAccountsAsync(Request("bri", household.HouseholdId)).ResponseAsync);
        var stewardReads = await Assert.ThrowsAsync<RpcException>(() => ReadRequestsAsync(Steward, 0));
        var noPurpose = await Assert.ThrowsAsync<RpcException>(() => ReadRequestsAsync(new AccountOpeningService.AccountOpeningServiceClient(Hub.Channel(Pki.Bank)), 0));
        var notABank = await Assert.ThrowsAsync<RpcException>(() => Steward.RequestAccountsAsync(Request("bpk", household.HouseholdId)).ResponseAsync);
        var invisible = Request("bri", household.HouseholdId);
        invisible.Reason = "\u200b\u3164";
        var noReason = await Assert.ThrowsAsync<RpcException>(() => Steward.RequestAccountsAsync(invisible).ResponseAsync);
        var tooMany = Request("bri", [.. Enumerable.Repeat(household.HouseholdId, 1_001)]);
        var overLimit = await Assert.ThrowsAsync<RpcException>(() => Steward.RequestAccountsAsync(tooMany).ResponseAsync);

        Assert.Equal([StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.PermissionDenied], new[] { bandung, bankAsks, stewardReads }.Select(refusal => refusal.StatusCode));
        Assert.Equal(StatusCode.PermissionDenied, noPurpose.StatusCode);
        Assert.Contains("account-opening", noPurpose.Status.Detail, StringComparison.Ordinal);
        Assert.Equal((StatusCode.InvalidArgument, "bank"), (notABank.StatusCode, notABank.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Field));
        Assert.Equal((StatusCode.InvalidArgument, "reason"), (noReason.StatusCode, noReason.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Field));
        Assert.Equal((StatusCode.InvalidArgument, "household_ids"), (overLimit.StatusCode, overLimit.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Field));
        Assert.Equal(household.Version, (await HouseholdSteps.GetAsync(Hub, Pki, household.HouseholdId)).Version);
    }

    private static RequestAccountsRequest Request(string bank, params string[] householdIds) =>
        new() { Bank = bank, Reason = "PKH 2026: recipients newly enrolled in the June cycle", HouseholdIds = { householdIds } };

    private static ReportAccountsRequest Opened(RegistryV1.Household household, string account, string card) =>
        new() { HouseholdId = household.HouseholdId, Nik = household.Members[0].Nik, Opened = new AccountOpened { AccountNumber = account, CardNumber = card } };

    private static ReportAccountsRequest Refused(RegistryV1.Household household, string reason) =>
        new() { HouseholdId = household.HouseholdId, Nik = household.Members[0].Nik, Refused = new AccountRefused { ReasonCode = reason } };

    private static async Task<List<StreamAccountRequestsResponse>> ReadRequestsAsync(AccountOpeningService.AccountOpeningServiceClient bank, long after) =>
        await bank.StreamAccountRequests(new StreamAccountRequestsRequest { AfterSequence = after }).ResponseStream.ReadAllAsync().ToListAsync();

    private static async Task<List<ReportAccountsResponse>> ReportAsync(AccountOpeningService.AccountOpeningServiceClient bank, IReadOnlyList<ReportAccountsRequest> reports)
    {
        using var call = bank.ReportAccounts();
        foreach (var report in reports)
        {
            await call.RequestStream.WriteAsync(report);
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseStream.ReadAllAsync().ToListAsync();
    }

    private static bool Contains(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
