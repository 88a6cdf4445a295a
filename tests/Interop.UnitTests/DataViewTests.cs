using Google.Protobuf.WellKnownTypes;
using Interop.Hub.Grpc;
using Interop.Hub.Partners;
using Interop.Hub.Partners.Privacy;
using V1 = Interop.Contracts.Registry.V1;
using V2 = Interop.Contracts.Registry.V2;

namespace Interop.UnitTests;

/// <summary>What each purpose shows of a person's record, applied to the contracts' messages by their marks.</summary>
public sealed class DataViewTests
{
    private const string Nik = "3273014507900001";
    private const string FamilyCard = "3273010101230007";

    private static Purpose Named(string code) => Purposes.Find(code) ?? throw new ArgumentException(code);

    private static V1.Household Household() => new()
    {
        HouseholdId = "0193a1b2-0000-7000-8000-000000000001",
        FamilyCardNumber = FamilyCard,
        VillageCode = "32.73.01.1001",
        AddressLine = "Jl. Contoh 1",
        Members =
        {
            new V1.Member { Nik = Nik, FullName = "Siti Contoh", BirthDate = new Google.Type.Date { Year = 1990, Month = 7, Day = 5 }, Relationship = V1.Relationship.Head },
        },
    };

    [Fact]
    public void An_auditor_examining_sees_masked_numbers_no_name_or_address_and_a_birth_year()
    {
        var household = Household();
        var records = new HashSet<string>();

        ProtoView.Apply(household, Named("audit-examination").View, records);

        var member = Assert.Single(household.Members);
        Assert.Equal(("3273**********01", "3273**********07"), (member.Nik, household.FamilyCardNumber));
        Assert.Equal((string.Empty, string.Empty), (member.FullName, household.AddressLine));
        Assert.Equal(new Google.Type.Date { Year = 1990 }, member.BirthDate);
        Assert.Equal("32.73.01.1001", household.VillageCode);
        Assert.Equal(V1.Relationship.Head, member.Relationship);
        Assert.Equal(["0193a1b2-0000-7000-8000-000000000001"], records);
    }

    [Fact]
    public void A_researcher_sees_no_direct_identifier_and_only_the_district()
    {
        var household = Household();

        ProtoView.Apply(household, Named("approved-research").View, new HashSet<string>());

        var member = Assert.Single(household.Members);
        Assert.Equal((string.Empty, string.Empty, string.Empty, string.Empty), (member.Nik, member.FullName, household.FamilyCardNumber, household.AddressLine));
        Assert.Equal("32.73.01", household.VillageCode);
        Assert.Equal(1990, member.BirthDate.Year);
        Assert.Equal((0, 0), (member.BirthDate.Month, member.BirthDate.Day));
    }

    [Fact]
    public void The_steward_and_an_auditor_investigating_see_everything_whole()
    {
        foreach (var code in new[] { "registry-stewardship", "audit-investigation", "household-verification" })
        {
            var household = Household();
            ProtoView.Apply(household, Named(code).View, new HashSet<string>());
            Assert.Equal(Household(), household);
        }
    }

    [Fact]
    public void Identity_numbers_in_events_and_conflict_cases_are_shown_as_the_view_allows()
    {
        var died = new V1.HouseholdEvent { HouseholdId = "0193a1b2-0000-7000-8000-000000000002", MemberDied = new V1.MemberDiedChange { Nik = Nik } };
        var conflict = new V1.ConflictCase { Niks = { Nik, "3273015507900002" }, ExistingHouseholdIds = { "0193a1b2-0000-7000-8000-000000000003" } };
        var records = new HashSet<string>();

        ProtoView.Apply(died, Named("disaster-relief-delivery").View, records);
        ProtoView.Apply(conflict, Named("approved-research").View, records);

        Assert.Equal("3273**********01", died.MemberDied.Nik);
        Assert.Empty(conflict.Niks);
        Assert.Equal(["0193a1b2-0000-7000-8000-000000000002", "0193a1b2-0000-7000-8000-000000000003"], records.Order());
    }

    [Fact]
    public void A_read_mask_path_into_a_withheld_field_widens_the_view_and_a_parent_path_does_not()
    {
        var research = Named("approved-research").View;
        var audit = Named("audit-examination").View;

        Assert.Equal("members.identity.nik", ProtoView.Widening(["status", "members.identity.nik"], V2.Household.Descriptor, research));
        Assert.Equal("members.identity.full_name", ProtoView.Widening(["members.identity.full_name"], V2.Household.Descriptor, audit));
        Assert.Null(ProtoView.Widening(["members.identity", "location"], V2.Household.Descriptor, research));
        Assert.Null(ProtoView.Widening(["members.identity.nik"], V2.Household.Descriptor, audit));
    }

    [Fact]
    public void A_purpose_is_granted_only_to_the_kinds_whose_role_it_is_and_with_its_scope()
    {
        Assert.IsType<PurposeDecision.Granted>(Purposes.Decide("audit-examination", PartnerKind.Auditor, [Scopes.RegistryRead, Scopes.AuditRead]));
        var missing = Assert.IsType<PurposeDecision.Missing>(Purposes.Decide(null, PartnerKind.Auditor, [Scopes.RegistryRead, Scopes.AuditRead]));
        Assert.Equal(["audit-examination", "audit-investigation"], missing.Allowed);
        Assert.IsType<PurposeDecision.Unknown>(Purposes.Decide("curiosity", PartnerKind.Auditor, [Scopes.AuditRead]));
        Assert.IsType<PurposeDecision.NotAllowed>(Purposes.Decide("registry-stewardship", PartnerKind.LocalGovernment, [Scopes.RegistryRead, Scopes.RegistryWrite]));
        Assert.IsType<PurposeDecision.NotAllowed>(Purposes.Decide("audit-investigation", PartnerKind.Auditor, [Scopes.RegistryRead]));
        Assert.IsType<PurposeDecision.NotAllowed>(Purposes.Decide("approved-research", PartnerKind.DisasterResponder, [Scopes.RegistryRead]));
    }

    [Fact]
    public void Every_purpose_is_one_a_kind_may_hold_the_scope_of()
    {
        Assert.All(Purposes.All, purpose => Assert.All(purpose.Kinds, kind => Assert.Contains(purpose.Scope, Scopes.HeldBy(kind))));
        Assert.Equal(Purposes.All.Count, Purposes.All.Select(purpose => purpose.Code).Distinct().Count());
    }

    /// <summary>
    /// Every text or date in the registry's contracts is marked (personal data of some kind, or a
    /// household's id), or is one of these, which hold none: ids the hub issues, region codes above
    /// the village, page tokens, the hub's own descriptions, and a partner's own id.
    /// </summary>
    private static readonly HashSet<string> HoldNoPersonalData =
    [
        "HouseholdAccepted.conflict_case_id", "FieldWarning.field", "FieldWarning.description", "Household.open_conflict_case_id",
        "PendingChange.change_id", "ChangeHouseholdRequest.idempotency_key", "ApproveChange.change_id", "RejectChange.change_id",
        "ChangeHouseholdResponse.pending_change_id", "ChangeApprovedChange.change_id", "ChangeRejectedChange.change_id",
        "HeldForConflictChange.conflict_case_id", "FlaggedAsLikelyDuplicateChange.conflict_case_id", "ConflictClearedChange.conflict_case_id",
        "MergedIntoChange.conflict_case_id", "DuplicateMergedChange.conflict_case_id", "ConflictCase.conflict_case_id", "ConflictCase.reasons",
        "GetConflictCaseRequest.conflict_case_id", "ResolveConflictCaseRequest.conflict_case_id", "ResolveConflictCaseRequest.idempotency_key",
        "StreamChangesRequest.region_prefix", "SearchHouseholdsRequest.region_prefix", "SearchHouseholdsRequest.page_token",
        "SearchHouseholdsResponse.next_page_token", "Actor.partner_id",
        "IdentityDiscrepancy.description",
        "Location.district_code", "Location.regency_code", "Location.province_code", "Provenance.proposed_by_partner_id", "Links.open_conflict_case_id",
        "RecipientAccountRequestedChange.bank", "RecipientAccountOpenedChange.bank", "RecipientAccountRefusedChange.bank", "RecipientAccountRefusedChange.reason_code",
        "RequestAccountsRequest.bank", "RequestAccountsRequest.household_ids", "ReportAccountsRequest.household_id", "AccountRefused.reason_code",
        // Disbursements: ids the hub issues (batches, end-to-end ids), the steward's batch reference, checkpoints, banks, regencies, codes.
        "IssueBatchRequest.batch_reference", "SealBatchRequest.batch_id", "CancelLineRequest.batch_id", "GetBatchRequest.batch_id",
        "ListBatchLinesRequest.batch_id", "ListBatchLinesRequest.page_token", "ListBatchLinesResponse.next_page_token", "Batch.batch_id",
        "Batch.batch_reference", "Batch.issued_by_partner_id", "LeftOutCount.reason", "DisbursementLine.end_to_end_id", "DisbursementLine.bank",
        "DisbursementLine.regency_code", "StreamLinesRequest.after_checkpoint", "StreamLinesResponse.checkpoint", "LineToPay.batch_id",
        "LineToPay.end_to_end_id", "LineToPay.currency", "LineNotice.batch_id", "LineNotice.end_to_end_id", "LineNotice.reason", "DisbursementLine.hold_reason",
        "GetReconciliationReportRequest.batch_id", "ReconciliationReport.batch_id", "ReconciliationRow.bank", "ReconciliationRow.province_code", "ReconciliationRow.regency_code",
        "ReasonCount.reason_code", "BankCount.bank", "PaymentConfirmation.end_to_end_id",
        "PaymentConfirmation.reason_code", "PaymentConfirmation.currency", "ConfirmationAnswer.end_to_end_id",
    ];

    [Fact]
    public void Every_text_and_date_in_the_registry_and_disbursement_contracts_is_marked_or_holds_no_personal_data()
    {
        var unmarked = new[] { V1.RegistryService.Descriptor.File, V1.ReconciliationService.Descriptor.File, V2.RegistryService.Descriptor.File, V1.HouseholdReflection.Descriptor, Interop.Contracts.Disbursement.V1.AccountOpeningService.Descriptor.File,
            Interop.Contracts.Disbursement.V1.DisbursementBatchService.Descriptor.File, Interop.Contracts.Disbursement.V1.PaymentService.Descriptor.File }
            .SelectMany(file => file.MessageTypes.SelectMany(AllMessages))
            .SelectMany(message => message.Fields.InFieldNumberOrder())
            .Where(field => field.FieldType == Google.Protobuf.Reflection.FieldType.String
                || (field.FieldType == Google.Protobuf.Reflection.FieldType.Message && field.MessageType.FullName == "google.type.Date"))
            .Where(field => ProtoView.KindOf(field) is null && field.GetOptions()?.GetExtension(Interop.Contracts.Privacy.V1.PersonalDataExtensions.HouseholdRecord) != true)
            .Select(field => $"{field.ContainingType.Name}.{field.Name}")
            .Where(name => !HoldNoPersonalData.Contains(name))
            .ToList();
        Assert.True(unmarked.Count == 0, string.Join(", ", unmarked));
    }

    [Fact]
    public void Free_text_references_officers_and_death_dates_are_kept_from_researchers()
    {
        var died = new V1.HouseholdEvent
        {
            Reason = "Siti Contoh died in hospital",
            EvidenceReference = "AKTA-KEMATIAN-3273-2026-77",
            Actor = new V1.Actor { PartnerId = "dukcapil", OfficerId = "dukcapil.op-3" },
            MemberDied = new V1.MemberDiedChange { Nik = Nik, DeathDate = new Google.Type.Date { Year = 2026, Month = 3, Day = 9 } },
        };

        ProtoView.Apply(died, Named("approved-research").View, new HashSet<string>());

        Assert.Equal((string.Empty, string.Empty, string.Empty, "dukcapil"), (died.Reason, died.EvidenceReference, died.Actor.OfficerId, died.Actor.PartnerId));
        Assert.Equal(new Google.Type.Date { Year = 2026 }, died.MemberDied.DeathDate);
    }

    private static IEnumerable<Google.Protobuf.Reflection.MessageDescriptor> AllMessages(Google.Protobuf.Reflection.MessageDescriptor message) =>
        message.NestedTypes.SelectMany(AllMessages).Prepend(message);
}
