using Marten;

namespace Interop.Hub.Storage;

/// <summary>
/// Inserts many documents of one type with one statement in the session's transaction. Marten's own
/// <c>Insert</c> costs a statement and a unit-of-work pass per document, which dominated the ingest
/// path (a receipt per household). A key another commit took first
/// fails the whole commit with a unique violation, exactly as Marten's insert would (<see cref="LostRace"/>).
/// The rows are the same as Marten writes them: its serializer, its table.
/// </summary>
internal static class BulkDocuments
{
    public static void QueueInsert<T>(IDocumentSession session, IReadOnlyCollection<T> documents, Func<T, string> idOf)
        where T : notnull
    {
        if (documents.Count == 0)
        {
            return;
        }

        var serializer = session.DocumentStore.Options.Serializer();
        session.QueueSqlCommand(
            $"insert into {TableOf<T>(session)} (id, data, mt_dotnet_type) select id, data::jsonb, ? from unnest(?::varchar[], ?::text[]) as rows(id, data)",
            typeof(T).FullName!,
            documents.Select(idOf).ToArray(),
            documents.Select(document => serializer.ToJson(document)).ToArray());
    }

    /// <summary>The table Marten keeps documents of type <typeparamref name="T"/> in, schema-qualified.</summary>
    public static string TableOf<T>(IQuerySession session) =>
        $"{session.DocumentStore.Options.DatabaseSchemaName}.mt_doc_{typeof(T).Name.ToLowerInvariant()}";
}
