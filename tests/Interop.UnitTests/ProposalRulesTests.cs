using Interop.Hub.Partners;
using Interop.ReferenceData;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.UnitTests;

public sealed class ProposalRulesTests
{
    private static readonly RegionTable Regions = RegionTable.Load(RegionTable.DefaultPath);
    private static readonly DateOnly Today = new(2026, 11, 28);
    private static readonly Actor Bandung = new("dinsos-kota-bandung", PartnerKind.LocalGovernment);

    [Fact]
    public void A_complete_household_becomes_a_proposed_event_that_names_its_actor_and_reason()
    {
        var decision = ProposalRules.Decide(Household(), Regions, Today);

        var accepted = Assert.IsType<ProposalDecision.Accepted>(decision);
        Assert.Empty(accepted.Warnings);
        Assert.Equal(Bandung, accepted.Event.Actor);
        Assert.Equal("new registration from the village survey", accepted.Event.Reason);
        Assert.Equal("SURVEY-2026-11-001", accepted.Event.EvidenceReference);
        Assert.Equal(2, accepted.Event.Members.Count);
        Assert.Equal(new DateOnly(1990, 7, 5), accepted.Event.Members[0].BirthDate);
    }

    [Fact]
    public void Every_bad_field_is_named_at_once_without_quoting_its_value()
    {
        var command = Household() with
        {
            FamilyCardNumber = "12345",
            VillageCode = "32.73.01.9999",
            AddressLine = "",
            Reason = " ",
            Members =
            [
                Member("3273013202900001", "Budi", new(1990, 2, 2), Sex.Male, Relationship.Head),
                Member("3273014507900001", "", new(1990, 7, 5), Sex.Male, Relationship.Unspecified),
            ],
        };

        var refused = Assert.IsType<ProposalDecision.Refused>(ProposalRules.Decide(command, Regions, Today));

        Assert.Equal(
            [
                "household.address_line",
                "household.family_card_number",
                "household.members[0].nik",
                "household.members[1].full_name",
                "household.members[1].nik",
                "household.members[1].relationship",
                "household.village_code",
                "reason",
            ],
            refused.Violations.Select(violation => violation.Field).Distinct().Order(StringComparer.Ordinal));
        Assert.DoesNotContain(refused.Violations, violation => violation.Description.Contains("3273", StringComparison.Ordinal));
    }

    [Fact]
    public void A_nik_whose_date_or_sex_disagrees_with_the_member_is_refused()
    {
        var command = Household() with
        {
            Members = [Member("3273014507910001", "Siti", new(1990, 7, 5), Sex.Male, Relationship.Head)],
        };

        var refused = Assert.IsType<ProposalDecision.Refused>(ProposalRules.Decide(command, Regions, Today));

        Assert.Equal(
            ["birth date part (digits 7-12) does not match birth_date", "sex encoded in the day (plus 40 for women) does not match sex"],
            refused.Violations.Where(v => v.Field == "household.members[0].nik").Select(v => v.Description));
    }

    [Fact]
    public void An_impossible_or_future_birth_date_is_refused()
    {
        var command = Household() with
        {
            Members =
            [
                Member("3273010101900001", "Budi", new(1990, 2, 30), Sex.Male, Relationship.Head),
                Member("3273010112260001", "Adi", new(2026, 12, 1), Sex.Male, Relationship.Child),
            ],
        };

        var refused = Assert.IsType<ProposalDecision.Refused>(ProposalRules.Decide(command, Regions, Today));

        Assert.Contains(new FieldIssue("household.members[0].birth_date", "is not a possible date"), refused.Violations);
        Assert.Contains(new FieldIssue("household.members[1].birth_date", "must be between 1900-01-01 and today"), refused.Violations);
    }

    [Fact]
    public void A_household_needs_members_and_exactly_one_head()
    {
        var empty = Assert.IsType<ProposalDecision.Refused>(ProposalRules.Decide(Household() with { Members = [] }, Regions, Today));
        var twoHeads = Assert.IsType<ProposalDecision.Refused>(ProposalRules.Decide(
            Household() with
            {
                Members =
                [
                    Member("3273011203850003", "Agus", new(1985, 3, 12), Sex.Male, Relationship.Head),
                    Member("3273014507900001", "Siti", new(1990, 7, 5), Sex.Female, Relationship.Head),
                ],
            },
            Regions,
            Today));

        Assert.Equal([new FieldIssue("household.members", "at least one member is required")], empty.Violations);
        Assert.Equal([new FieldIssue("household.members", "exactly one member must be the head (RELATIONSHIP_HEAD); found 2")], twoHeads.Violations);
    }

    [Fact]
    public void The_same_nik_twice_in_one_household_is_refused()
    {
        var command = Household() with
        {
            Members =
            [
                Member("3273014507900001", "Siti", new(1990, 7, 5), Sex.Female, Relationship.Head),
                Member("3273014507900001", "Siti R", new(1990, 7, 5), Sex.Female, Relationship.Other),
            ],
        };

        var refused = Assert.IsType<ProposalDecision.Refused>(ProposalRules.Decide(command, Regions, Today));

        Assert.Equal([new FieldIssue("household.members[1].nik", "appears twice in the household (also household.members[0].nik)")], refused.Violations);
    }

    [Fact]
    public void A_nik_issued_in_a_district_that_no_longer_exists_is_only_a_warning()
    {
        var command = Household() with
        {
            Members = [Member("3299014507900001", "Siti", new(1990, 7, 5), Sex.Female, Relationship.Head)],
        };

        var accepted = Assert.IsType<ProposalDecision.Accepted>(ProposalRules.Decide(command, Regions, Today));

        Assert.Equal(
            [new FieldIssue("household.members[0].nik", "district of issue (digits 1-6) is not in the current region table")],
            accepted.Warnings);
    }

    [Fact]
    public void Oversized_text_and_too_many_members_are_refused()
    {
        var members = Enumerable.Range(1, ProposalRules.MaxMembers + 1)
            .Select(i => Member($"32730101019{i % 10}{i:D4}", "Anak", new(1990 + (i % 10), 1, 1), Sex.Male, i == 1 ? Relationship.Head : Relationship.Child))
            .ToList();
        var command = Household() with { AddressLine = new string('x', 100_000), Members = members };

        var refused = Assert.IsType<ProposalDecision.Refused>(ProposalRules.Decide(command, Regions, Today));

        Assert.Contains(new FieldIssue("household.address_line", "must be at most 200 characters"), refused.Violations);
        Assert.Contains(new FieldIssue("household.members", "at most 30 members are allowed"), refused.Violations);
    }

    private static ProposeHouseholdCommand Household() =>
        new(
            "BDG-2026-000001",
            "3273010101200001",
            "32.73.01.1001",
            "Jl. Sukarasa No. 12 RT 03/RW 05",
            [
                Member("3273014507900001", "Siti Rahmawati", new(1990, 7, 5), Sex.Female, Relationship.Head),
                Member("3273011203150002", "Rizky Pratama", new(2015, 3, 12), Sex.Male, Relationship.Child),
            ],
            "new registration from the village survey",
            "SURVEY-2026-11-001",
            Bandung);

    private static MemberDraft Member(string nik, string name, DateParts birth, Sex sex, Relationship relationship) =>
        new(nik, name, birth, sex, relationship);
}
