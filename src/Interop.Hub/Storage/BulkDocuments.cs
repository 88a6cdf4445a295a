using Marten;

namespace Interop.Hub.Storage;

/// <summary>
/// Inserts many documents of one type with one statement in the session's transaction. Marten's own
/// <c>Insert</c> costs a statement and a unit-of-work pass per document, which dominated the ingest
/// path (several NIK registrations and a receipt per household). A key another commit took first
/// fails the whole commit with a unique violation, exactly as Marten's insert would (<see cref="LostRace"/>).
/// The rows are the same as Marten writes them: its serializer, its table.
/// </summary>
internal static class BulkDocuments
{
    /// <param name="duplicated">A duplicated field's column and value, when the type has one (Marten fills it on its own inserts).</param>
    public static void QueueInsert<T>(IDocumentSession session, IReadOnlyCollection<T> documents, Func<T, string> idOf, (string Column, Func<T, string?> Value)? duplicated = null)
        where T : notnull
    {
        if (documents.Count == 0)
        {
            return;
        }

        var options = session.DocumentStore.Options;
        var serializer = options.Serializer();
        var table = TableOf<T>(session);
        var ids = documents.Select(idOf).ToArray();
        var data = documents.Select(document => serializer.ToJson(document)).ToArray();
        if (duplicated is not { } extra)
        {
            session.QueueSqlCommand(
                $"insert into {table} (id, data, mt_dotnet_type) select id, data::jsonb, ? from unnest(?::varchar[], ?::text[]) as rows(id, data)",
                typeof(T).FullName!,
                ids,
                data);
            return;
        }

        session.QueueSqlCommand(
            $"insert into {table} (id, data, mt_dotnet_type, {extra.Column}) select id, data::jsonb, ?, extra from unnest(?::varchar[], ?::text[], ?::varchar[]) as rows(id, data, extra)",
            typeof(T).FullName!,
            ids,
            data,
            documents.Select(extra.Value).ToArray());
    }

    /// <summary>The table Marten keeps documents of type <typeparamref name="T"/> in, schema-qualified.</summary>
    public static string TableOf<T>(IDocumentSession session) =>
        $"{session.DocumentStore.Options.DatabaseSchemaName}.mt_doc_{typeof(T).Name.ToLowerInvariant()}";
}
