using Marten;

namespace Interop.Hub.Storage;

/// <summary>
/// Inserts many documents of one type with one statement (Marten's serializer, its table); a key
/// another commit took fails the commit as Marten's insert would (<see cref="LostRace"/>).
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

    private static string TableOf<T>(IQuerySession session) => MartenTables.Documents<T>(session.DocumentStore);
}
