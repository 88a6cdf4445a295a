using Marten;

namespace Interop.Hub.Storage;

/// <summary>
/// The qualified names of Marten's own tables, asked of Marten's mappings (<c>Options.Schema</c>),
/// never spelled: a document type's alias or the schema can change them. The one name Marten does not
/// publish, its event sequence, is derived here and pinned with the rest of Marten's schema by
/// <c>MartenSchemaTests</c> (see docs/architecture.md, "The ingest path").
/// </summary>
internal static class MartenTables
{
    public static string Documents<T>(IDocumentStore store) => store.Options.Schema.For<T>();

    public static string Events(IDocumentStore store) => store.Options.Schema.ForEvents();

    public static string Streams(IDocumentStore store) => store.Options.Schema.ForStreams();

    public static string EventProgression(IDocumentStore store) => store.Options.Schema.ForEventProgression();

    /// <summary>The sequence Marten draws events' global positions from (<c>&lt;events table&gt;_sequence</c> in Marten 9).</summary>
    public static string EventSequence(IDocumentStore store) => $"{Events(store)}_sequence";

    /// <summary>A table of the hub's own beside Marten's, in the store's schema.</summary>
    public static string Own(IDocumentStore store, string table) => $"{store.Options.DatabaseSchemaName}.{table}";
}
