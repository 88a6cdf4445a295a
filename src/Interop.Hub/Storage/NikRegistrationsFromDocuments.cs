using Interop.Hub.Registry;
using Marten;
using Npgsql;

namespace Interop.Hub.Storage;

/// <summary>
/// A store written before NIK registrations were plain rows kept them as Marten documents
/// (<c>mt_doc_nikregistration</c>: spelled, since no mapping of that document type exists any more to ask). At startup their rows move, once, into the new table, with the
/// screening key taken from the household's village and the member's birth date; then the old table
/// and Marten's functions for it are dropped. Does nothing on a store without the old table. A schema
/// change, so run by the schema's owner as a step of <see cref="RegistrySchema.MigrateAsync"/>.
/// </summary>
internal static class NikRegistrationsFromDocuments
{
    public static async Task MigrateAsync(IDocumentStore store, CancellationToken cancellationToken)
    {
        var schema = store.Options.DatabaseSchemaName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        // One DO block (one transaction): Marten's queued commands take one statement each, without ';'.
        await using var migrate = new NpgsqlCommand(
            $"""
            do $migrate$
            declare
              old_function regprocedure;
            begin
              if to_regclass('{schema}.mt_doc_nikregistration') is null then
                return;
              end if;
              insert into {MartenTables.Own(store, NikRegistration.TableName)} (nik, household_id, screening_key)
              select registration.id::bigint, household.id,
                     (replace(household.data ->> 'VillageCode', '.', '') || replace(member ->> 'BirthDate', '-', ''))::bigint
              from {schema}.mt_doc_nikregistration as registration
              join {MartenTables.Documents<Household>(store)} as household on household.id = (registration.data ->> 'HouseholdId')::uuid
              cross join lateral jsonb_array_elements(household.data -> 'Members') as member
              where member ->> 'Nik' = registration.id
              on conflict (nik) do nothing;
              drop table {schema}.mt_doc_nikregistration;
              for old_function in
                select function.oid::regprocedure from pg_proc as function join pg_namespace as namespace on namespace.oid = function.pronamespace
                where namespace.nspname = '{schema}' and function.proname like 'mt\_%\_nikregistration'
              loop
                execute 'drop function ' || old_function;
              end loop;
            end
            $migrate$
            """,
            connection);
        await migrate.ExecuteNonQueryAsync(cancellationToken);
    }
}
