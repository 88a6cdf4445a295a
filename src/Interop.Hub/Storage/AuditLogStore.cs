using Interop.Transparency;
using Marten;
using Npgsql;
using NpgsqlTypes;
using Weasel.Postgresql.Tables;

namespace Interop.Hub.Storage;

/// <summary>
/// A table whose rows are leaves of the audit log: its sequence column (the order its rows were
/// drawn in) and the JSON object that is each row's entry (the log's canonical encoding, version 1,
/// docs/audit.md): every column the hub writes, named, with times as UTC text to the microsecond.
/// </summary>
/// <remarks>
/// <see cref="Placeholder"/> picks the rows that are no record of anything, never taken as leaves:
/// Marten's tombstones, which it writes after a failed commit under the sequence numbers that commit
/// had drawn (so they appear after later rows and carry nothing): of that type, on Marten's own
/// tombstone stream, with nothing in them. Any other row is a record. A row that was logged and is
/// later turned into one still fails its leaf's hash.
/// </remarks>
internal sealed record LogSource(short Code, string Name, string Table, string Sequence, string Entry, string Placeholder = "false");

/// <summary>Where the log stands: its size, the right edge of its tree, the last row of each source it holds, its newest checkpoint.</summary>
internal sealed record LogPosition(long Size, IReadOnlyList<Subtree> Edge, IReadOnlyDictionary<short, long> LastLogged, long CheckpointSize);

/// <summary>A point the log can settle on: a snapshot, each source's highest sequence value as of it, and the transactions open then (backend, start).</summary>
internal sealed record SettlingPoint(string Snapshot, long[] Highest, int[] OpenBackends, DateTime[] OpenSince);

/// <summary>A leaf to append: its place, the row it stands for and its hash.</summary>
/// <param name="RowTag">The hub's tag binding the leaf to its row's entry text (<see cref="Audit.Log.CheckpointSigner.RowTag"/>).</param>
internal sealed record LogLeaf(long Index, short Source, long Reference, byte[] Hash, byte[] RowTag);

/// <summary>A stored leaf as a walk reads it: its place, its row, its hash and its row tag (null for leaves written before tags were kept).</summary>
internal sealed record StoredLeaf(long Index, short Source, long Reference, byte[] Hash, byte[]? RowTag);

/// <summary>
/// The audit log's tables (issue 14, docs/audit.md): its leaves in order, each naming the row it
/// stands for; the complete subtrees of two leaves or more (so that proofs read O(log n) rows); and
/// the signed checkpoints. The serving role only appends to them. Every SQL statement of the log.
/// </summary>
internal static class AuditLogStore
{
    public const string LeafTable = "audit_leaf";
    public const string NodeTable = "audit_node";
    public const string CheckpointTable = "audit_checkpoint";
    public const string CosignatureTable = "audit_cosignature";

    private const string Utc = """'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'""";

    public static IEnumerable<Table> Definitions(string schema)
    {
        var leaves = new Table($"{schema}.{LeafTable}");
        leaves.AddColumn<long>("idx").AsPrimaryKey();
        leaves.AddColumn<short>("source").NotNull();
        leaves.AddColumn<long>("ref").NotNull();
        leaves.AddColumn("hash", "bytea").NotNull();
        leaves.AddColumn("row_tag", "bytea");
        leaves.Indexes.Add(new IndexDefinition($"idx_{LeafTable}_row") { Columns = ["source", "ref"], IsUnique = true });
        yield return leaves;

        var nodes = new Table($"{schema}.{NodeTable}");
        nodes.AddColumn<short>("level").AsPrimaryKey();
        nodes.AddColumn<long>("idx").AsPrimaryKey();
        nodes.AddColumn("hash", "bytea").NotNull();
        yield return nodes;

        var checkpoints = new Table($"{schema}.{CheckpointTable}");
        checkpoints.AddColumn<long>("size").AsPrimaryKey();
        checkpoints.AddColumn("root", "bytea").NotNull();
        checkpoints.AddColumn("signed_at", "timestamptz").NotNull();
        checkpoints.AddColumn<string>("note").NotNull();
        yield return checkpoints;

        // A witness's cosignature line of a checkpoint, served appended to the checkpoint's note.
        var cosignatures = new Table($"{schema}.{CosignatureTable}");
        cosignatures.AddColumn<long>("size").AsPrimaryKey();
        cosignatures.AddColumn<string>("witness").AsPrimaryKey();
        cosignatures.AddColumn("cosigned_at", "timestamptz").NotNull();
        cosignatures.AddColumn<string>("line").NotNull();
        yield return cosignatures;
    }

    /// <summary>
    /// The tables the log covers, each with the code its leaves carry. A code, once used, never
    /// changes, and an entry's fields never change either: a new column joins a new encoding version.
    /// </summary>
    /// <summary>
    /// A payment event's entry. The certificate and correlation id were added to the table later:
    /// a row without them is encoded as rows were before (its leaf keeps its hash), a row with them
    /// names both, so emptying either column behind the hub's back changes the entry.
    /// </summary>
    private static readonly string PaymentEntry = string.Format(
        "case when {0} is null and {1} is null then json_build_object({2}) else json_build_object({2}, 'certificate', {0}, 'correlation', {1}) end",
        PaymentEvents.CertificateColumn,
        PaymentEvents.CorrelationColumn,
        $"'source', 'payment', 'seq', sequence, 'batch', batch_id, 'line', line_number, 'line_version', line_version, 'recorded_at', to_char(recorded_at at time zone 'UTC', {Utc}), 'kind', kind, 'status', status, 'reason', reason, 'amount', amount, 'currency', currency, 'bank_reference', bank_reference, 'partner', partner_id, 'officer', officer_id");

    public static IReadOnlyList<LogSource> Sources(IDocumentStore store)
    {
        var schema = store.Options.DatabaseSchemaName;
        return
        [
            new(1, "event", MartenTables.Events(store), "seq_id",
                $"""json_build_object('source', 'event', 'seq', seq_id, 'id', id, 'stream', stream_id, 'version', version, 'type', type, 'timestamp', to_char("timestamp" at time zone 'UTC', {Utc}), 'tenant', tenant_id, 'archived', is_archived, 'data', data)""",
                $"type = 'tombstone' and stream_id = '{JasperFx.Events.Tombstone.StreamId}' and data = '{{}}'::jsonb"),
            new(2, "disbursement_line", $"{schema}.{DisbursementLines.LineTable}", "sequence",
                "json_build_object('source', 'disbursement_line', 'seq', sequence, 'batch', batch_id, 'line', line_number, 'end_to_end_id', end_to_end_id, 'round', round, 'household', household_id, 'recipient_nik', recipient_nik, 'recipient_name', recipient_name, 'bank', bank, 'account_number', account_number, 'amount', amount, 'regency', regency_code)"),
            new(3, "disbursement_left_out", $"{schema}.{DisbursementLines.LeftOutTable}", "sequence",
                "json_build_object('source', 'disbursement_left_out', 'seq', sequence, 'batch', batch_id, 'household', household_id, 'reason', reason)"),
            new(4, "payment", $"{schema}.{PaymentEvents.TableName}", "sequence", PaymentEntry),
            new(5, "unknown_confirmation", $"{schema}.{PaymentEvents.UnknownTable}", "sequence",
                $"json_build_object('source', 'unknown_confirmation', 'seq', sequence, 'recorded_at', to_char(recorded_at at time zone 'UTC', {Utc}), 'bank', bank, 'end_to_end_id', end_to_end_id, 'batch_prefix', batch_prefix, 'status', status, 'amount', amount)"),
            new(6, "bank_instruction", $"{schema}.{BankInstructions.TableName}", "position",
                "json_build_object('source', 'bank_instruction', 'seq', position, 'bank', bank, 'batch', batch_id, 'line', line_number, 'kind', kind, 'reason', reason)"),
            new(7, "access", $"{schema}.{AccessLogTable.TableName}", "id",
                $"json_build_object('source', 'access', 'seq', id, 'logged_at', to_char(logged_at at time zone 'UTC', {Utc}), 'kind', entry_kind, 'method', method, 'partner', partner_id, 'certificate', certificate_thumbprint, 'officer', officer_id, 'purpose', purpose, 'households', households, 'fields', fields, 'outcome', outcome, 'detail', detail, 'count', count)"),
        ];
    }

    /// <summary>Takes the log's writer lock for as long as the connection lives; false when another hub holds it.</summary>
    public static async Task<bool> TryLeadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select pg_try_advisory_lock(hashtext('interop-hub:audit-log'))", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Gives the writer lock back before the connection returns to the pool (pooled connections keep
    /// their session state, so a lock left on one would be held by whichever call uses it next, and no
    /// writer could lead). A connection that cannot even do that is broken: the pool is cleared so
    /// that it is not handed out again.
    /// </summary>
    public static async Task ReleaseLeadAsync(NpgsqlConnection connection)
    {
        try
        {
            await using var command = new NpgsqlCommand("select pg_advisory_unlock(hashtext('interop-hub:audit-log'))", connection);
            await command.ExecuteScalarAsync(CancellationToken.None);
        }
        catch (Exception error) when (error is NpgsqlException or InvalidOperationException)
        {
            NpgsqlConnection.ClearPool(connection);
        }
    }

    /// <summary>
    /// Where the writer resumes: after the last leaf, with the right edge of the tree stored for that
    /// size. A leaf planted far beyond the end (whose subtrees were never stored) is passed over: the
    /// writer then resumes at the end of the leaves that run on from index 0 without a gap, and takes
    /// each table's last row and the newest checkpoint from that part only, so a planted leaf or
    /// checkpoint can neither make it skip rows nor stop it signing (verification reports both).
    /// </summary>
    public static async Task<LogPosition> PositionAsync(NpgsqlConnection connection, string schema, IReadOnlyList<LogSource> sources, CancellationToken cancellationToken)
    {
        var size = await SizeAsync(connection, schema, cancellationToken);
        var edge = size == long.MaxValue ? null : await EdgeAsync(connection, schema, size, cancellationToken);
        if (edge is null)
        {
            size = await ContiguousSizeAsync(connection, schema, cancellationToken);
            edge = await EdgeAsync(connection, schema, size, cancellationToken)
                ?? throw new InvalidOperationException($"The audit log lacks the subtrees of its first {size} leaves.");
        }

        var last = new Dictionary<short, long>();
        foreach (var source in sources)
        {
            await using var command = new NpgsqlCommand($"select coalesce((select ref from {schema}.{LeafTable} where source = @source and idx < @size order by ref desc limit 1), 0)", connection);
            command.Parameters.AddWithValue("source", source.Code);
            command.Parameters.AddWithValue("size", size);
            last[source.Code] = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        long checkpointSize;
        await using (var command = new NpgsqlCommand($"select coalesce(max(size), -1) from {schema}.{CheckpointTable} where size <= @size", connection))
        {
            command.Parameters.AddWithValue("size", size);
            checkpointSize = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        return new LogPosition(size, edge, last, checkpointSize);
    }

    /// <summary>The right edge of the tree of <paramref name="size"/> leaves, or null when a subtree of it was never stored.</summary>
    private static async Task<List<Subtree>?> EdgeAsync(NpgsqlConnection connection, string schema, long size, CancellationToken cancellationToken)
    {
        var edge = new List<Subtree>();
        foreach (var (level, index) in TreeEdge.PositionsFor(size))
        {
            if (await StoredSubtreeAsync(connection, schema, level, index, cancellationToken) is not { } hash)
            {
                return null;
            }

            edge.Add(new Subtree(level, index, hash));
        }

        return edge;
    }

    /// <summary>How many leaves run on from index 0 without a gap.</summary>
    private static async Task<long> ContiguousSizeAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"select case when not exists (select 1 from {schema}.{LeafTable} where idx = 0) then 0 "
            + $"else (select min(l.idx) + 1 from {schema}.{LeafTable} as l where not exists (select 1 from {schema}.{LeafTable} as m where m.idx = l.idx + 1)) end",
            connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The stored hash of the complete subtree of 2^level leaves at <paramref name="index"/>.</summary>
    public static async Task<byte[]> SubtreeHashAsync(NpgsqlConnection connection, string schema, int level, long index, CancellationToken cancellationToken) =>
        await StoredSubtreeAsync(connection, schema, level, index, cancellationToken)
            ?? throw new InvalidOperationException($"The audit log lacks its subtree at level {level}, index {index}.");

    /// <summary>The stored hash of that subtree (level 0: a leaf), or null when it was never stored.</summary>
    private static async Task<byte[]?> StoredSubtreeAsync(NpgsqlConnection connection, string schema, int level, long index, CancellationToken cancellationToken)
    {
        await using var command = level == 0
            ? new NpgsqlCommand($"select hash from {schema}.{LeafTable} where idx = @index", connection)
            : new NpgsqlCommand($"select hash from {schema}.{NodeTable} where level = @level and idx = @index", connection);
        command.Parameters.AddWithValue("index", index);
        if (level > 0)
        {
            command.Parameters.AddWithValue("level", (short)level);
        }

        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    /// <summary>
    /// The database's current snapshot, the highest sequence value of each source as of it, and then
    /// every transaction open at that point (backend and start): once all of them have ended, and
    /// every transaction the snapshot saw running is visible as ended to a newer snapshot, no row at
    /// or below those values can appear any more (a sequence hands out larger values to anything
    /// that starts later). Open transactions are read as well as the snapshot's running ones because
    /// a transaction can draw a sequence value before it has a transaction id (before its first
    /// write), and then no snapshot lists it.
    /// </summary>
    public static async Task<SettlingPoint> SnapshotAsync(NpgsqlConnection connection, IReadOnlyList<LogSource> sources, CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", sources.Select(source => $"(select coalesce(max({source.Sequence}), 0) from {source.Table})"));
        string snapshot;
        long[] highest;
        await using (var command = new NpgsqlCommand($"select pg_current_snapshot()::text, {columns}", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            snapshot = reader.GetString(0);
            highest = [.. sources.Select((_, i) => reader.GetInt64(i + 1))];
        }

        // Read after the snapshot, in a statement of its own (the activity view is read once per transaction).
        await using var open = new NpgsqlCommand(
            "select coalesce(array_agg(pid), '{}'), coalesce(array_agg(xact_start), '{}') from pg_stat_activity "
            + "where xact_start is not null and pid <> pg_backend_pid() and backend_type = 'client backend' and datname = current_database()", connection);
        await using var activity = await open.ExecuteReaderAsync(cancellationToken);
        await activity.ReadAsync(cancellationToken);
        return new SettlingPoint(snapshot, highest, activity.GetFieldValue<int[]>(0), activity.GetFieldValue<DateTime[]>(1));
    }

    /// <summary>
    /// Whether every transaction open at <paramref name="point"/> has ended, each one the snapshot saw
    /// running visibly so to a new snapshot: a transaction is marked committed a moment before newer
    /// snapshots see its rows, and a row taken as final must be visible to the reads that follow.
    /// </summary>
    public static async Task<bool> SettledAsync(NpgsqlConnection connection, SettlingPoint point, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            select (select coalesce(bool_and(pg_visible_in_snapshot(x, pg_current_snapshot())), true) from pg_snapshot_xip(@snapshot::pg_snapshot) as x)
               and not exists (select 1 from pg_stat_activity as a join unnest(@pids::int[], @starts::timestamptz[]) as o(pid, xact_start) on a.pid = o.pid and a.xact_start = o.xact_start)
            """,
            connection);
        command.Parameters.AddWithValue("snapshot", point.Snapshot);
        command.Parameters.AddWithValue("pids", point.OpenBackends);
        command.Parameters.AddWithValue("starts", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, point.OpenSince);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The next rows of a source after <paramref name="after"/>, in sequence order, with their entries as JSON text (UTF-8, as PostgreSQL writes them).</summary>
    public static async Task<IReadOnlyList<(long Reference, byte[] Entry)>> EntriesAfterAsync(NpgsqlConnection connection, LogSource source, long after, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"select {source.Sequence}, {source.Entry}::text from {source.Table} where {source.Sequence} > @after and not ({source.Placeholder}) order by {source.Sequence} limit @limit", connection);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("limit", limit);
        var rows = new List<(long, byte[])>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)));
        }

        return rows;
    }

    /// <summary>Appends leaves, the subtrees they completed and, when given, a checkpoint of the new size, in one transaction.</summary>
    public static async Task AppendAsync(NpgsqlConnection connection, string schema, IReadOnlyList<LogLeaf> leaves, IReadOnlyList<Subtree> nodes, (Checkpoint Checkpoint, string Note, DateTimeOffset At)? checkpoint, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (leaves.Count > 0)
        {
            await using var import = await connection.BeginBinaryImportAsync($"copy {schema}.{LeafTable} (idx, source, ref, hash, row_tag) from stdin (format binary)", cancellationToken);
            foreach (var leaf in leaves)
            {
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(leaf.Index, NpgsqlDbType.Bigint, cancellationToken);
                await import.WriteAsync(leaf.Source, NpgsqlDbType.Smallint, cancellationToken);
                await import.WriteAsync(leaf.Reference, NpgsqlDbType.Bigint, cancellationToken);
                await import.WriteAsync(leaf.Hash, NpgsqlDbType.Bytea, cancellationToken);
                await import.WriteAsync(leaf.RowTag, NpgsqlDbType.Bytea, cancellationToken);
            }

            await import.CompleteAsync(cancellationToken);
        }

        if (nodes.Count > 0)
        {
            await using var import = await connection.BeginBinaryImportAsync($"copy {schema}.{NodeTable} (level, idx, hash) from stdin (format binary)", cancellationToken);
            foreach (var node in nodes)
            {
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync((short)node.Level, NpgsqlDbType.Smallint, cancellationToken);
                await import.WriteAsync(node.Index, NpgsqlDbType.Bigint, cancellationToken);
                await import.WriteAsync(node.Hash, NpgsqlDbType.Bytea, cancellationToken);
            }

            await import.CompleteAsync(cancellationToken);
        }

        if (checkpoint is { } signed)
        {
            await using var command = new NpgsqlCommand($"insert into {schema}.{CheckpointTable} (size, root, signed_at, note) values (@size, @root, @at, @note)", connection, transaction);
            command.Parameters.AddWithValue("size", signed.Checkpoint.Size);
            command.Parameters.AddWithValue("root", signed.Checkpoint.Root);
            command.Parameters.AddWithValue("at", signed.At);
            command.Parameters.AddWithValue("note", signed.Note);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The newest checkpoint's note, or null before the first.</summary>
    public static async Task<string?> LatestCheckpointAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select {NoteWithCosignatures(schema)} from {schema}.{CheckpointTable} as c order by c.size desc limit 1", connection);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>The signed notes of the checkpoints of at least <paramref name="minSize"/> leaves, in increasing size, a page at a time.</summary>
    public static async Task<IReadOnlyList<(long Size, string Note)>> CheckpointsFromAsync(NpgsqlConnection connection, string schema, long minSize, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select c.size, {NoteWithCosignatures(schema)} from {schema}.{CheckpointTable} as c where c.size >= @min order by c.size limit @limit", connection);
        command.Parameters.AddWithValue("min", minSize);
        command.Parameters.AddWithValue("limit", limit);
        var notes = new List<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            notes.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return notes;
    }

    /// <summary>The leaves from <paramref name="start"/> to before <paramref name="end"/>, in order: each one's row and stored hash.</summary>
    public static async Task<IReadOnlyList<StoredLeaf>> LeavesAsync(NpgsqlConnection connection, string schema, long start, long end, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select idx, source, ref, hash, row_tag from {schema}.{LeafTable} where idx >= @start and idx < @end order by idx", connection);
        command.Parameters.AddWithValue("start", start);
        command.Parameters.AddWithValue("end", end);
        var leaves = new List<StoredLeaf>((int)Math.Min(end - start, 1 << 20));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            leaves.Add(new StoredLeaf(reader.GetInt64(0), reader.GetInt16(1), reader.GetInt64(2), reader.GetFieldValue<byte[]>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<byte[]>(4)));
        }

        return leaves;
    }

    /// <summary>
    /// The SHA-256 of each entry's text as PostgreSQL writes it now, of a source's rows named by their
    /// sequence values (a row that is gone is absent): computed in the database, so only 32 bytes a
    /// row cross to the hub.
    /// </summary>
    public static async Task<IReadOnlyDictionary<long, byte[]>> EntryDigestsOfAsync(NpgsqlConnection connection, LogSource source, long[] references, CancellationToken cancellationToken)
    {
        var digests = new Dictionary<long, byte[]>(references.Length);
        if (references.Length == 0)
        {
            return digests;
        }

        await using var command = new NpgsqlCommand($"select {source.Sequence}, sha256(convert_to({source.Entry}::text, 'UTF8')) from {source.Table} where {source.Sequence} = any(@refs)", connection);
        command.Parameters.AddWithValue("refs", references);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            digests[reader.GetInt64(0)] = reader.GetFieldValue<byte[]>(1);
        }

        return digests;
    }

    /// <summary>The entries (UTF-8, as PostgreSQL writes them), as stored now, of a source's rows named by their sequence values; a row that is gone is absent.</summary>
    public static async Task<IReadOnlyDictionary<long, byte[]>> EntriesOfAsync(NpgsqlConnection connection, LogSource source, long[] references, CancellationToken cancellationToken)
    {
        var entries = new Dictionary<long, byte[]>(references.Length);
        if (references.Length == 0)
        {
            return entries;
        }

        await using var command = new NpgsqlCommand($"select {source.Sequence}, {source.Entry}::text from {source.Table} where {source.Sequence} = any(@refs)", connection);
        command.Parameters.AddWithValue("refs", references);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries[reader.GetInt64(0)] = reader.GetFieldValue<byte[]>(1);
        }

        return entries;
    }

    /// <summary>
    /// Rows the log lacks although it holds a later row of the same table (the log takes each table's
    /// rows in order, so such a row was written behind the hub's back): up to <paramref name="limit"/>, and how many in all.
    /// </summary>
    public static async Task<(IReadOnlyList<(short Source, long Reference)> Rows, long Total)> UnloggedRowsAsync(NpgsqlConnection connection, string schema, IReadOnlyList<LogSource> sources, int limit, CancellationToken cancellationToken)
    {
        var union = string.Join(" union all ", sources.Select(source =>
            $"select {source.Code}::smallint as source, t.{source.Sequence} as ref from {source.Table} as t "
            + $"where t.{source.Sequence} <= (select coalesce(max(ref), -9223372036854775808) from {schema}.{LeafTable} where source = {source.Code}) "
            + $"and not ({source.Placeholder}) and not exists (select 1 from {schema}.{LeafTable} as l where l.source = {source.Code} and l.ref = t.{source.Sequence})"));
        await using var command = new NpgsqlCommand($"select source, ref, count(*) over () from ({union}) as unlogged order by source, ref limit @limit", connection);
        command.Parameters.AddWithValue("limit", limit);
        var rows = new List<(short, long)>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetInt16(0), reader.GetInt64(1)));
            total = reader.GetInt64(2);
        }

        return (rows, total);
    }

    /// <summary>The log's size: its leaves stored so far.</summary>
    public static async Task<long> SizeAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        // One past the last leaf; a leaf planted at the largest index there is leaves it there (no overflow).
        await using var command = new NpgsqlCommand($"select coalesce(max(idx), -1) from {schema}.{LeafTable}", connection);
        var last = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        return last == long.MaxValue ? last : last + 1;
    }

    /// <summary>The stored hashes of the complete subtrees named (level 0: leaves).</summary>
    public static async Task<IReadOnlyDictionary<(int Level, long Index), byte[]>> SubtreesAsync(NpgsqlConnection connection, string schema, IReadOnlyCollection<(int Level, long Index)> positions, CancellationToken cancellationToken)
    {
        var found = new Dictionary<(int, long), byte[]>();
        if (positions.Count == 0)
        {
            return found;
        }

        await using var command = new NpgsqlCommand(
            $"""
            select 0::smallint, l.idx, l.hash from {schema}.{LeafTable} as l where l.idx = any(@leaves)
            union all
            select n.level, n.idx, n.hash from {schema}.{NodeTable} as n join unnest(@levels, @indexes) as p(level, idx) on n.level = p.level and n.idx = p.idx
            """,
            connection);
        command.Parameters.AddWithValue("leaves", positions.Where(p => p.Level == 0).Select(p => p.Index).ToArray());
        command.Parameters.AddWithValue("levels", positions.Where(p => p.Level > 0).Select(p => (short)p.Level).ToArray());
        command.Parameters.AddWithValue("indexes", positions.Where(p => p.Level > 0).Select(p => p.Index).ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found[(reader.GetInt16(0), reader.GetInt64(1))] = reader.GetFieldValue<byte[]>(2);
        }

        return found;
    }

    /// <summary>The leaf index of a source's row, or null when the log does not hold it.</summary>
    public static async Task<long?> LeafOfAsync(NpgsqlConnection connection, string schema, short source, long reference, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select idx from {schema}.{LeafTable} where source = @source and ref = @ref", connection);
        command.Parameters.AddWithValue("source", source);
        command.Parameters.AddWithValue("ref", reference);
        return await command.ExecuteScalarAsync(cancellationToken) as long?;
    }

    /// <summary>The signed note of the checkpoint of <paramref name="size"/> leaves (null: the newest), or null when there is none.</summary>
    public static async Task<(long Size, string Note)?> CheckpointAsync(NpgsqlConnection connection, string schema, long? size, CancellationToken cancellationToken)
    {
        await using var command = size is not null
            ? new NpgsqlCommand($"select c.size, {NoteWithCosignatures(schema)} from {schema}.{CheckpointTable} as c where c.size = @size", connection)
            : new NpgsqlCommand($"select c.size, {NoteWithCosignatures(schema)} from {schema}.{CheckpointTable} as c order by c.size desc limit 1", connection);
        command.Parameters.AddWithValue("size", size ?? 0);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <summary>A checkpoint's note (alias c) with its witnesses' cosignature lines after the hub's signature, as C2SP serves them.</summary>
    private static string NoteWithCosignatures(string schema) =>
        $"c.note || coalesce((select string_agg(w.line, '' order by w.witness) from {schema}.{CosignatureTable} as w where w.size = c.size), '')";

    /// <summary>The hub's own note of the checkpoint of exactly <paramref name="size"/> leaves, without cosignatures; null when there is none.</summary>
    public static async Task<string?> OwnNoteAsync(NpgsqlConnection connection, string schema, long size, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select note from {schema}.{CheckpointTable} where size = @size", connection);
        command.Parameters.AddWithValue("size", size);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Keeps a witness's cosignature of a checkpoint; a witness's first cosignature of a size is the one kept. False when one was kept already.</summary>
    public static async Task<bool> AddCosignatureAsync(NpgsqlConnection connection, string schema, long size, string witness, DateTimeOffset cosignedAt, string line, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"insert into {schema}.{CosignatureTable} (size, witness, cosigned_at, line) values (@size, @witness, @at, @line) on conflict do nothing", connection);
        command.Parameters.AddWithValue("size", size);
        command.Parameters.AddWithValue("witness", witness);
        command.Parameters.AddWithValue("at", cosignedAt);
        command.Parameters.AddWithValue("line", line);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>A stream's events (placeholders left out) by version, each with its leaf's index (null while unlogged) and its entry.</summary>
    public static Task<IReadOnlyList<(long Sequence, long? Index, string Entry)>> StreamLeavesAsync(NpgsqlConnection connection, string schema, LogSource events, Guid streamId, int limit, CancellationToken cancellationToken) =>
        RecordLeavesAsync(connection, schema, events, $"e.stream_id = @stream and not ({events.Placeholder})", "e.version", [("stream", streamId)], limit, cancellationToken);

    /// <summary>A disbursement line's rows of one source (its row as issued, its payment events, its bank's notices), in order, each with its leaf's index and its entry.</summary>
    public static Task<IReadOnlyList<(long Sequence, long? Index, string Entry)>> LineLeavesAsync(NpgsqlConnection connection, string schema, LogSource source, string order, Guid batchId, long lineNumber, int limit, CancellationToken cancellationToken) =>
        RecordLeavesAsync(connection, schema, source, "e.batch_id = @batch and e.line_number = @line", $"e.{order}", [("batch", batchId), ("line", lineNumber)], limit, cancellationToken);

    private static async Task<IReadOnlyList<(long Sequence, long? Index, string Entry)>> RecordLeavesAsync(
        NpgsqlConnection connection, string schema, LogSource source, string condition, string order, IReadOnlyList<(string Name, object Value)> parameters, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"select e.{source.Sequence}, l.idx, {source.Entry}::text from {source.Table} as e left join {schema}.{LeafTable} as l on l.source = {source.Code} and l.ref = e.{source.Sequence} "
            + $"where {condition} order by {order} limit {limit}",
            connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var rows = new List<(long, long?, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetInt64(0), await reader.IsDBNullAsync(1, cancellationToken) ? null : reader.GetInt64(1), reader.GetString(2)));
        }

        return rows;
    }
}
