namespace Interop.Hub.Audit.AccessLog;

/// <summary>What an entry of the access log records.</summary>
internal enum AccessEntryKind
{
    /// <summary>A call read personal data: which households, through which view, for which purpose.</summary>
    Read = 1,

    /// <summary>A call was refused, before any service ran or by one.</summary>
    Refusal = 2,

    /// <summary>TLS handshakes refused in a period, counted (no partner is known before the handshake).</summary>
    RefusedHandshakes = 3,
}

/// <summary>
/// One entry of the access log: who (partner, certificate, officer), what (method, households,
/// fields returned), why (purpose), when, and how it ended. Never a NIK or a name: households are
/// named by the hub's record ids, fields by their kind and how much of it was shown.
/// </summary>
internal sealed record AccessEntry(
    AccessEntryKind Kind,
    DateTimeOffset At,
    string Method,
    string? PartnerId,
    string? CertificateThumbprint,
    string? OfficerId,
    string? Purpose,
    IReadOnlyList<Guid> Households,
    IReadOnlyList<string> Fields,
    string Outcome,
    string? Detail,
    int Count = 1)
{
    /// <summary>The longest detail kept (a refusal's message); longer ones are cut.</summary>
    public const int MaxDetail = 500;
}

/// <summary>An entry as stored, with its position in the log.</summary>
internal sealed record StoredAccessEntry(long Id, AccessEntry Entry);

/// <summary>What an auditor asks of the log: by partner, by household, in a time window, newest first.</summary>
internal sealed record AccessLogQuery(string? PartnerId, Guid? HouseholdId, DateTimeOffset? From, DateTimeOffset? Until, int PageSize, long? Before)
{
    public const int MaxPageSize = 500;
    public const int DefaultPageSize = 100;
}
