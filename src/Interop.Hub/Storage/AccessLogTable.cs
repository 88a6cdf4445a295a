using Interop.Hub.Audit.AccessLog;
using Npgsql;
using NpgsqlTypes;
using Weasel.Postgresql.Tables;

namespace Interop.Hub.Storage;

/// <summary>
/// The access log's table: appended to in batches (binary COPY), never updated; read by partner,
/// household (a GIN index over the households of each entry) and time, newest first.
/// </summary>
internal static class AccessLogTable
{
    public const string TableName = "access_log";

    public static Table Definition(string schema)
    {
        var table = new Table($"{schema}.{TableName}");
        table.AddColumn("id", "bigserial").AsPrimaryKey();
        table.AddColumn("logged_at", "timestamptz").NotNull();
        table.AddColumn("entry_kind", "text").NotNull();
        table.AddColumn("method", "text").NotNull();
        table.AddColumn("partner_id", "text");
        table.AddColumn("certificate_thumbprint", "text");
        table.AddColumn("officer_id", "text");
        table.AddColumn("purpose", "text");
        table.AddColumn("households", "uuid[]").NotNull();
        table.AddColumn("fields", "text[]").NotNull();
        table.AddColumn("outcome", "text").NotNull();
        table.AddColumn("detail", "text");
        table.AddColumn("count", "integer").NotNull();
        table.Indexes.Add(new IndexDefinition($"idx_{TableName}_at") { Columns = ["logged_at"] });
        table.Indexes.Add(new IndexDefinition($"idx_{TableName}_partner") { Columns = ["partner_id", "logged_at"] });
        table.Indexes.Add(new IndexDefinition($"idx_{TableName}_households") { Columns = ["households"], Method = IndexMethod.gin });
        return table;
    }

    /// <summary>Appends the entries in one COPY; they are all stored or none.</summary>
    public static async Task AppendAsync(NpgsqlConnection connection, string schema, IReadOnlyList<AccessEntry> entries, CancellationToken cancellationToken)
    {
        await using var import = await connection.BeginBinaryImportAsync(
            $"copy {schema}.{TableName} (logged_at, entry_kind, method, partner_id, certificate_thumbprint, officer_id, purpose, households, fields, outcome, detail, count) from stdin (format binary)",
            cancellationToken);
        foreach (var entry in entries)
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(entry.At.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            await import.WriteAsync(KindName(entry.Kind), NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(entry.Method, NpgsqlDbType.Text, cancellationToken);
            await WriteTextAsync(import, entry.PartnerId, cancellationToken);
            await WriteTextAsync(import, entry.CertificateThumbprint, cancellationToken);
            await WriteTextAsync(import, entry.OfficerId, cancellationToken);
            await WriteTextAsync(import, entry.Purpose, cancellationToken);
            await import.WriteAsync(entry.Households.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Uuid, cancellationToken);
            await import.WriteAsync(entry.Fields.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(entry.Outcome, NpgsqlDbType.Text, cancellationToken);
            await WriteTextAsync(import, entry.Detail is { Length: > AccessEntry.MaxDetail } detail ? detail[..AccessEntry.MaxDetail] : entry.Detail, cancellationToken);
            await import.WriteAsync(entry.Count, NpgsqlDbType.Integer, cancellationToken);
        }

        await import.CompleteAsync(cancellationToken);
    }

    /// <summary>One page of entries matching the query, newest first.</summary>
    public static async Task<IReadOnlyList<StoredAccessEntry>> QueryAsync(NpgsqlConnection connection, string schema, AccessLogQuery query, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            select id, logged_at, entry_kind, method, partner_id, certificate_thumbprint, officer_id, purpose, households, fields, outcome, detail, count
            from {schema}.{TableName}
            where ($1::text is null or partner_id = $1)
              and ($2::uuid is null or households @> array[$2::uuid])
              and ($3::timestamptz is null or logged_at >= $3)
              and ($4::timestamptz is null or logged_at < $4)
              and ($5::bigint is null or id < $5)
            order by id desc
            limit $6
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)query.PartnerId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = (object?)query.HouseholdId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)query.From?.ToUniversalTime() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)query.Until?.ToUniversalTime() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)query.Before ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = query.PageSize });
        var entries = new List<StoredAccessEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new StoredAccessEntry(
                reader.GetInt64(0),
                new AccessEntry(
                    KindOf(reader.GetString(2)),
                    reader.GetFieldValue<DateTimeOffset>(1),
                    reader.GetString(3),
                    TextOrNull(reader, 4),
                    TextOrNull(reader, 5),
                    TextOrNull(reader, 6),
                    TextOrNull(reader, 7),
                    reader.GetFieldValue<Guid[]>(8),
                    reader.GetFieldValue<string[]>(9),
                    reader.GetString(10),
                    TextOrNull(reader, 11),
                    reader.GetInt32(12))));
        }

        return entries;
    }

    private static string KindName(AccessEntryKind kind) => kind switch
    {
        AccessEntryKind.Read => "read",
        AccessEntryKind.Refusal => "refusal",
        AccessEntryKind.RefusedHandshakes => "refused_handshakes",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static AccessEntryKind KindOf(string name) => name switch
    {
        "read" => AccessEntryKind.Read,
        "refusal" => AccessEntryKind.Refusal,
        "refused_handshakes" => AccessEntryKind.RefusedHandshakes,
        _ => throw new InvalidOperationException($"Unknown access log entry kind {name}."),
    };

    private static Task WriteTextAsync(NpgsqlBinaryImporter import, string? value, CancellationToken cancellationToken) =>
        value is null ? import.WriteNullAsync(cancellationToken) : import.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);

    private static string? TextOrNull(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
