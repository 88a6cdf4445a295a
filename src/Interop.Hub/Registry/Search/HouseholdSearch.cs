using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Interop.Hub.Partners;
using Interop.Hub.Partners.Privacy;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Storage;
using Marten;

namespace Interop.Hub.Registry.Search;

/// <summary>What a partner searches for; empty parts do not filter.</summary>
internal sealed record HouseholdQuery(string Nik, string FamilyCardNumber, string RegionPrefix, SocialProgram Program, HouseholdStatus? Status, int PageSize, string PageToken)
{
    /// <summary>Where the searcher may see households: the search never reaches beyond.</summary>
    public Jurisdiction Reach { get; init; } = Jurisdiction.Everywhere;

    /// <summary>What the searcher may see: it may search only by what it would see whole.</summary>
    public DataView View { get; init; } = DataView.Everything;
}

internal abstract record SearchOutcome
{
    public sealed record Page(IReadOnlyList<Household> Households, string NextPageToken) : SearchOutcome;

    public sealed record Invalid(IReadOnlyList<FieldIssue> Violations) : SearchOutcome;

    /// <summary>PERMISSION_DENIED: the region asked for lies wholly outside the searcher's reach.</summary>
    public sealed record OutsideReach(string Reason) : SearchOutcome;

    /// <summary>PERMISSION_DENIED: the search names what the searcher's view does not show (a NIK to a researcher).</summary>
    public sealed record OutsideView(string Field, string Reason) : SearchOutcome;
}

/// <summary>
/// Searches the households' current state. Pages are in the order the hub first stored the
/// households (their time-ordered ids), which never changes, so a page token stays valid while new
/// households arrive; a token carries a fingerprint of its filters and is refused with others.
/// </summary>
internal sealed partial class HouseholdSearch(IQuerySession session)
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public async Task<SearchOutcome> SearchAsync(HouseholdQuery query, CancellationToken cancellationToken)
    {
        var violations = new List<FieldIssue>();
        if (query.Nik.Length > 0 && !IdentityNumbers.IsSixteenDigits(query.Nik))
        {
            violations.Add(new("nik", "must be exactly 16 digits"));
        }

        if (query.FamilyCardNumber.Length > 0 && !IdentityNumbers.IsSixteenDigits(query.FamilyCardNumber))
        {
            violations.Add(new("family_card_number", "must be exactly 16 digits"));
        }

        if (query.RegionPrefix.Length > 0 && !IsRegionCode(query.RegionPrefix))
        {
            violations.Add(new("region_prefix", RegionRule));
        }

        if (query.PageSize is < 0 or > MaxPageSize)
        {
            violations.Add(new("page_size", $"must be between 0 and {MaxPageSize}"));
        }

        var fingerprint = Fingerprint(query);
        var offset = 0;
        if (query.PageToken.Length > 0 && !TryReadToken(query.PageToken, fingerprint, out offset))
        {
            violations.Add(new("page_token", "is not a token this search returned (a token only works with the filters it was issued for)"));
        }

        if (violations.Count > 0)
        {
            return new SearchOutcome.Invalid(violations);
        }

        // Searching by a value finds who holds it: only a caller who would see it whole may search by it.
        if (query.Nik.Length > 0 && query.View.Of(PersonalData.Nik) != Disclosure.Whole)
        {
            return new SearchOutcome.OutsideView("nik", $"The view of this call ({query.View.Name}) does not show NIKs whole, so it may not search by one.");
        }

        if (query.FamilyCardNumber.Length > 0 && query.View.Of(PersonalData.FamilyCardNumber) != Disclosure.Whole)
        {
            return new SearchOutcome.OutsideView("family_card_number", $"The view of this call ({query.View.Name}) does not show family-card numbers whole, so it may not search by one.");
        }

        if (query.View.RegionFilterRefusal(query.RegionPrefix) is { } villageRefusal)
        {
            return new SearchOutcome.OutsideView("region_prefix", villageRefusal);
        }

        // The region asked for, narrowed to the searcher's reach (a province search by a regency finds its regency's households).
        var regions = query.Reach.Narrow(query.RegionPrefix);
        if (regions is [])
        {
            return new SearchOutcome.OutsideReach(
                (query.RegionPrefix.Length == 0 ? "This partner's certificate names" : $"Region {query.RegionPrefix} lies outside") + $" the {query.Reach.Describe()} this partner serves.");
        }

        var size = query.PageSize == 0 ? DefaultPageSize : query.PageSize;
        var filters = new HouseholdFilters(query.Nik, query.FamilyCardNumber, regions, query.Program, query.Status);
        var page = await HouseholdQueries.PageAsync(session, filters, offset, size + 1, cancellationToken);
        var next = page.Count > size ? Token(offset + size, fingerprint) : string.Empty;
        return new SearchOutcome.Page(page.Take(size).ToList(), next);
    }

    private static string Fingerprint(HouseholdQuery query) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{query.Nik}|{query.FamilyCardNumber}|{query.RegionPrefix}|{query.Program}|{query.Status}|{query.PageSize}")))[..16];

    private static string Token(int offset, string fingerprint) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"1:{offset}:{fingerprint}"));

    private static bool TryReadToken(string token, string fingerprint, out int offset)
    {
        offset = 0;
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token)).Split(':');
            return parts.Length == 3 && parts[0] == "1" && int.TryParse(parts[1], out offset) && offset > 0 && parts[2] == fingerprint;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public const string RegionRule = "must be a dotted region code: 32, 32.73, 32.73.01 or 32.73.01.1001";

    public static bool IsRegionCode(string value) => RegionPattern().IsMatch(value);

    [GeneratedRegex(@"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?\z")]
    private static partial Regex RegionPattern();
}
