using System.Text.RegularExpressions;
using Interop.ReferenceData;

namespace Interop.Hub.Registry.ProposeHousehold;

/// <summary>
/// Decides a household proposal: either the event to store, or every bad field at once so that
/// a partner can fix its record in one round. Pure: no I/O, the clock is passed in.
/// Descriptions never quote the submitted values, because they may be personal data.
/// </summary>
internal static partial class ProposalRules
{
    public const int MaxMembers = 30;
    public const int MaxPartnerReferenceLength = 64;
    public const int MaxReasonLength = 500;
    public const int MaxEvidenceReferenceLength = 200;
    public const int MaxAddressLength = 200;
    public const int MaxNameLength = 100;

    public static ProposalDecision Decide(ProposeHouseholdCommand command, RegionTable regions, DateOnly today)
    {
        var violations = new List<FieldIssue>();
        var warnings = new List<FieldIssue>();

        RequireText(violations, "partner_reference", command.PartnerReference, MaxPartnerReferenceLength);
        RequireText(violations, "reason", command.Reason, MaxReasonLength);
        if (command.EvidenceReference is { } evidence)
        {
            CheckText(violations, "evidence_reference", evidence, MaxEvidenceReferenceLength);
        }

        CheckFamilyCardNumber(command.FamilyCardNumber, regions, violations, warnings);
        CheckVillage(command.VillageCode, regions, violations);
        RequireText(violations, "household.address_line", command.AddressLine, MaxAddressLength);
        var members = CheckMembers(command.Members, regions, today, violations, warnings);

        if (violations.Count > 0)
        {
            return new ProposalDecision.Refused(violations, warnings);
        }

        if (!command.Reach.Covers(command.VillageCode))
        {
            return new ProposalDecision.Forbidden($"household.village_code {command.VillageCode} lies outside the {command.Reach.Describe()} this partner serves; the household was not stored.");
        }

        var proposed = new HouseholdProposed(
            command.PartnerReference,
            command.FamilyCardNumber,
            command.VillageCode,
            FreeText.Clean(command.AddressLine),
            members,
            command.Actor,
            FreeText.Clean(command.Reason),
            string.IsNullOrWhiteSpace(command.EvidenceReference) ? null : FreeText.Clean(command.EvidenceReference));
        return new ProposalDecision.Accepted(proposed, warnings);
    }

    public static void CheckFamilyCardNumber(
        string number, RegionTable regions, List<FieldIssue> violations, List<FieldIssue> warnings, string field = "household.family_card_number")
    {
        if (number.Length == 0)
        {
            violations.Add(new(field, "is required"));
        }
        else if (!IdentityNumbers.IsSixteenDigits(number))
        {
            violations.Add(new(field, "must be exactly 16 digits"));
        }
        else if (IdentityNumbers.HasZeroSerial(number))
        {
            violations.Add(new(field, "serial (digits 13-16) must not be 0000"));
        }
        else if (!regions.IsDistrict(IdentityNumbers.DistrictPrefix(number)))
        {
            warnings.Add(new(field, "district of issue (digits 1-6) is not in the current region table"));
        }
    }

    public static void CheckVillage(string code, RegionTable regions, List<FieldIssue> violations, string field = "household.village_code")
    {
        if (code.Length == 0)
        {
            violations.Add(new(field, "is required"));
        }
        else if (!VillageCodePattern().IsMatch(code))
        {
            violations.Add(new(field, "must be a dotted village code PP.RR.DD.VVVV"));
        }
        else if (!regions.IsVillage(code))
        {
            violations.Add(new(field, "is not a village in the official region table"));
        }
    }

    private static List<HouseholdMember> CheckMembers(
        IReadOnlyList<MemberDraft> drafts, RegionTable regions, DateOnly today, List<FieldIssue> violations, List<FieldIssue> warnings)
    {
        var members = new List<HouseholdMember>(drafts.Count);
        if (drafts.Count == 0)
        {
            violations.Add(new("household.members", "at least one member is required"));
            return members;
        }

        if (drafts.Count > MaxMembers)
        {
            violations.Add(new("household.members", $"at most {MaxMembers} members are allowed"));
            return members;
        }

        var heads = drafts.Count(member => member.Relationship == Relationship.Head);
        if (heads != 1)
        {
            violations.Add(new("household.members", $"exactly one member must be the head (RELATIONSHIP_HEAD); found {heads}"));
        }

        var firstIndexByNik = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < drafts.Count; index++)
        {
            var draft = drafts[index];
            var path = $"household.members[{index}]";
            var member = CheckMember(draft, path, regions, today, violations, warnings);
            if (IdentityNumbers.IsSixteenDigits(draft.Nik) && !firstIndexByNik.TryAdd(draft.Nik, index))
            {
                violations.Add(new($"{path}.nik", $"appears twice in the household (also household.members[{firstIndexByNik[draft.Nik]}].nik)"));
            }

            if (member is not null)
            {
                members.Add(member);
            }
        }

        return members;
    }

    /// <summary>Checks one member at <paramref name="path"/>; returns it when its birth date can be stored, whatever else is wrong.</summary>
    public static HouseholdMember? CheckMember(
        MemberDraft draft, string path, RegionTable regions, DateOnly today, List<FieldIssue> violations, List<FieldIssue> warnings)
    {
        var birthDate = CheckBirthDate(draft.BirthDate, today, $"{path}.birth_date", violations);
        CheckNik(draft, birthDate, regions, $"{path}.nik", violations, warnings);
        RequireText(violations, $"{path}.full_name", draft.FullName, MaxNameLength);
        if (draft.Sex == Sex.Unspecified)
        {
            violations.Add(new($"{path}.sex", "is required"));
        }

        if (draft.Relationship == Relationship.Unspecified)
        {
            violations.Add(new($"{path}.relationship", "is required"));
        }

        return birthDate is { } date ? new HouseholdMember(draft.Nik, FreeText.Clean(draft.FullName), date, draft.Sex, draft.Relationship) : null;
    }

    public static DateOnly? CheckBirthDate(DateParts? parts, DateOnly today, string field, List<FieldIssue> violations)
    {
        if (parts is null)
        {
            violations.Add(new(field, "is required"));
            return null;
        }

        var date = parts.Value.ToDate();
        if (date is null)
        {
            violations.Add(new(field, "is not a possible date"));
        }
        else if (date.Value.Year < 1900 || date.Value > today)
        {
            violations.Add(new(field, "must be between 1900-01-01 and today"));
            return null;
        }

        return date;
    }

    private static void CheckNik(
        MemberDraft draft, DateOnly? birthDate, RegionTable regions, string field, List<FieldIssue> violations, List<FieldIssue> warnings)
    {
        var nik = draft.Nik;
        if (nik.Length == 0)
        {
            violations.Add(new(field, "is required"));
            return;
        }

        if (!IdentityNumbers.IsSixteenDigits(nik))
        {
            violations.Add(new(field, "must be exactly 16 digits"));
            return;
        }

        var encoded = IdentityNumbers.ReadBirth(nik);
        if (encoded is null)
        {
            violations.Add(new(field, "birth date part (digits 7-12, day plus 40 for women) is not a possible date"));
            return;
        }

        if (IdentityNumbers.HasZeroSerial(nik))
        {
            violations.Add(new(field, "serial (digits 13-16) must not be 0000"));
        }

        if (birthDate is { } date && !encoded.Value.Matches(date))
        {
            violations.Add(new(field, "birth date part (digits 7-12) does not match birth_date"));
        }

        if (draft.Sex != Sex.Unspecified && encoded.Value.Sex != draft.Sex)
        {
            violations.Add(new(field, "sex encoded in the day (plus 40 for women) does not match sex"));
        }

        if (!regions.IsDistrict(IdentityNumbers.DistrictPrefix(nik)))
        {
            warnings.Add(new(field, "district of issue (digits 1-6) is not in the current region table"));
        }
    }

    public static void RequireText(List<FieldIssue> violations, string field, string value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            violations.Add(new(field, "is required"));
            return;
        }

        CheckText(violations, field, value, maxLength);
    }

    /// <summary>The rules of <see cref="FreeText"/>: readable text, the same on every screen.</summary>
    public static void CheckText(List<FieldIssue> violations, string field, string value, int maxLength)
    {
        if (FreeText.Problem(value, maxLength) is { } problem)
        {
            violations.Add(new(field, problem));
        }
    }

    [GeneratedRegex(@"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}\z")]
    private static partial Regex VillageCodePattern();
}

/// <summary>The outcome of deciding a proposal.</summary>
internal abstract record ProposalDecision(IReadOnlyList<FieldIssue> Warnings)
{
    public sealed record Accepted(HouseholdProposed Event, IReadOnlyList<FieldIssue> Warnings) : ProposalDecision(Warnings);

    public sealed record Refused(IReadOnlyList<FieldIssue> Violations, IReadOnlyList<FieldIssue> Warnings) : ProposalDecision(Warnings);

    /// <summary>PERMISSION_DENIED: the household lies outside the partner's reach.</summary>
    public sealed record Forbidden(string Reason) : ProposalDecision([]);
}
