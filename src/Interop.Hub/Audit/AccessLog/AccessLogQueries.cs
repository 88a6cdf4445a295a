using System.Globalization;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Audit.AccessLog;

/// <summary>An auditor's question to the access log, checked: the query, or the fields refused.</summary>
internal static class AccessLogQueries
{
    public static (AccessLogQuery? Query, IReadOnlyList<FieldIssue> Issues) Check(
        string partnerId, string householdId, DateTimeOffset? from, DateTimeOffset? until, int pageSize, string pageToken)
    {
        var issues = new List<FieldIssue>();
        Guid? household = null;
        if (householdId.Length > 0)
        {
            if (Guid.TryParse(householdId, out var parsed))
            {
                household = parsed;
            }
            else
            {
                issues.Add(new("household_id", "must be a household id (a UUID) or empty"));
            }
        }

        if (partnerId.Length > 0 && !Partners.Directory.PartnerRules.IsPartnerId(partnerId))
        {
            issues.Add(new("partner_id", "must be a partner id (lower-case letters, digits and '-') or empty"));
        }

        if (from is { } start && until is { } end && end <= start)
        {
            issues.Add(new("end_time", "must be after start_time"));
        }

        if (pageSize is < 0 or > AccessLogQuery.MaxPageSize)
        {
            issues.Add(new("page_size", $"must be between 0 and {AccessLogQuery.MaxPageSize}"));
        }

        long? before = null;
        if (pageToken.Length > 0)
        {
            if (long.TryParse(pageToken, NumberStyles.None, CultureInfo.InvariantCulture, out var position) && position > 0)
            {
                before = position;
            }
            else
            {
                issues.Add(new("page_token", "is not a token this query returned"));
            }
        }

        return issues.Count > 0
            ? (null, issues)
            : (new AccessLogQuery(partnerId.Length > 0 ? partnerId : null, household, from, until, pageSize == 0 ? AccessLogQuery.DefaultPageSize : pageSize, before), []);
    }

    /// <summary>The token of the page after one that ended with this entry; empty when the page was not full (the last).</summary>
    public static string NextPageToken(AccessLogQuery query, IReadOnlyList<StoredAccessEntry> page) =>
        page.Count == query.PageSize ? page[^1].Id.ToString(CultureInfo.InvariantCulture) : string.Empty;
}
