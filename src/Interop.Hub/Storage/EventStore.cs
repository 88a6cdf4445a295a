using Npgsql;
using NpgsqlTypes;
using Weasel.Postgresql.Tables;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ChangeFeed;
using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.Conflicts;
using Interop.Hub.Registry.ProposeHousehold;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Weasel.Core;

namespace Interop.Hub.Storage;

internal static class EventStore
{
    /// <summary>
    /// Marten's event store: one stream per household keyed by the hub's record id, events stored
    /// under names pinned here (renaming a class never orphans history), enums stored as names,
    /// and the household's current state kept as an inline snapshot written in the same
    /// transaction as its events.
    /// </summary>
    public static IServiceCollection AddRegistryStore(this IServiceCollection services, string connectionString, string schema)
    {
        services.AddMarten(options => Configure(options, connectionString, schema))
            .UseLightweightSessions()
            // Hot/cold: with several hubs on one database, exactly one runs the daemon at a time.
            .AddAsyncDaemon(DaemonMode.HotCold);
        services.AddSingleton<IConfigureMarten, PrivateMartenLogging>();
        services.AddHostedService<SearchTermsBackfill>();
        services.AddHostedService<IdentityStandingBackfill>();
        services.AddHostedService<FamilyCardsFromHouseholds>();
        return services;
    }

    /// <summary>The store's configuration, the same for the hub serving and for the schema's owner migrating it (<see cref="RegistrySchema"/>).</summary>
    internal static void Configure(StoreOptions options, string connectionString, string schema)
    {
        options.Connection(Tuned(connectionString));
        options.DatabaseSchemaName = schema;
        // The schema is created or migrated by its owner before the hub serves (RegistrySchema),
        // never by the serving role and never re-checked on the write path.
        options.AutoCreateSchemaObjects = AutoCreate.None;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString);
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        RegisterEventNames(options);
        options.Projections.Snapshot<Household>(SnapshotLifecycle.Inline);
        // Search: family card and village by index; NIKs through their registrations, and programs
        // (and the NIKs of households that do not hold them) through one small GIN-indexed array
        // column, indexed only where it has terms (a GIN index over the whole document cost more on
        // every write than the rest of it; one entry per person cost 8 µs a household).
        options.Schema.For<Household>()
            .Index(household => household.FamilyCardNumber)
            .Index(household => household.VillageCode)
            .Duplicate(household => household.SearchTerms, pgType: "text[]", dbType: NpgsqlDbType.Array | NpgsqlDbType.Text, configure: index =>
                {
                    index.Method = IndexMethod.gin;
                    index.Predicate = HouseholdQueries.SearchTermsIndexed;
                });
        options.Schema.For<ProposalReceipt>();
        options.Schema.For<ChangeReceipt>();
        options.Storage.ExtendedSchemaObjects.Add(NikRegistration.Definition(schema));
        options.Storage.ExtendedSchemaObjects.Add(FamilyCardRegistration.Definition(schema));
        options.Storage.ExtendedSchemaObjects.Add(AccessLogTable.Definition(schema));
        options.Storage.ExtendedSchemaObjects.Add(AccountRequestQueue.Definition(schema));
        foreach (var table in DisbursementLines.Definitions(schema))
        {
            options.Storage.ExtendedSchemaObjects.Add(table);
        }

        foreach (var table in BankInstructions.Definitions(schema))
        {
            options.Storage.ExtendedSchemaObjects.Add(table);
        }

        foreach (var table in PaymentEvents.Definitions(schema))
        {
            options.Storage.ExtendedSchemaObjects.Add(table);
        }

        options.Storage.ExtendedSchemaObjects.Add(HouseholdStates.Definition(schema));
        foreach (var table in AuditLogStore.Definitions(schema))
        {
            options.Storage.ExtendedSchemaObjects.Add(table);
        }

        options.Projections.Snapshot<Disbursements.Batches.DisbursementBatch>(SnapshotLifecycle.Inline);
        options.Projections.Snapshot<ConflictCase>(SnapshotLifecycle.Inline);
        options.Events.Subscribe(new ChangeFeedSubscription());
        PartnerRecords.Configure(options);
        options.Listeners.Add(new HoldsOnRegistryChanges());
    }

    /// <summary>
    /// Connection settings the hub relies on for speed, unless the operator's connection string sets
    /// them: the hub never changes a connection's session state, so a pooled connection needs no
    /// DISCARD ALL round trip each time it is reused (one per read otherwise); and its hot statements
    /// (a read by id, a batch's lookups and inserts) are prepared once per connection instead of
    /// parsed on every call. JIT compilation is off: the hub's statements are short, and a batch
    /// lookup whose estimate ran high (a fast-growing table before autoanalyze) spent tens of
    /// milliseconds compiling and optimising code for every execution to run it for a few. Prepared
    /// statements are still planned on every execution (plan_cache_mode=force_custom_plan): a generic
    /// plan cached while a table was empty is kept until the table is next analyzed, and a bank's feed
    /// page planned that way scanned every payment event once per line (17 s a page at 100,000
    /// events, in the disbursement benchmark); planning each time sees the table as it is.
    /// </summary>
    internal static string Tuned(string connectionString)
    {
        // NpgsqlConnectionStringBuilder.ContainsKey answers for every keyword it knows, set or not:
        // what the operator wrote is read from the plain keyword list instead.
        var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>()
            .Select(key => key.Replace(" ", string.Empty, StringComparison.Ordinal))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!written.Contains("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        if (!written.Contains("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 50;
            builder.AutoPrepareMinUsages = 3;
        }

        if (builder.Options?.Contains("jit", StringComparison.OrdinalIgnoreCase) != true)
        {
            builder.Options = string.IsNullOrEmpty(builder.Options) ? "-c jit=off" : $"{builder.Options} -c jit=off";
        }

        if (!builder.Options.Contains("plan_cache_mode", StringComparison.OrdinalIgnoreCase))
        {
            builder.Options += " -c plan_cache_mode=force_custom_plan";
        }

        return builder.ConnectionString;
    }

    /// <summary>The stored name of every event type; a name, once used, never changes.</summary>
    internal static void RegisterEventNames(StoreOptions options)
    {
        options.Events.MapEventType<HouseholdProposed>("household_proposed");
        options.Events.MapEventType<IdentitiesVerified>("identities_verified");
        options.Events.MapEventType<HouseholdRatified>("household_ratified");
        options.Events.MapEventType<ProposalRejected>("proposal_rejected");
        options.Events.MapEventType<MemberAdded>("member_added");
        options.Events.MapEventType<MemberRemoved>("member_removed");
        options.Events.MapEventType<AddressChanged>("address_changed");
        options.Events.MapEventType<MemberDied>("member_died");
        options.Events.MapEventType<ProgramEnrolled>("program_enrolled");
        options.Events.MapEventType<ProgramExited>("program_exited");
        options.Events.MapEventType<HouseholdDeactivated>("household_deactivated");
        options.Events.MapEventType<RecipientAccountRequested>("recipient_account_requested");
        options.Events.MapEventType<RecipientAccountOpened>("recipient_account_opened");
        options.Events.MapEventType<RecipientAccountRefused>("recipient_account_refused");
        options.Events.MapEventType<Disbursements.Batches.BatchIssued>("batch_issued");
        options.Events.MapEventType<Disbursements.Batches.BatchSealed>("batch_sealed");
        options.Events.MapEventType<Disbursements.Batches.LineCancelled>("line_cancelled");
        options.Events.MapEventType<HeldForConflict>("held_for_conflict");
        options.Events.MapEventType<ConflictCleared>("conflict_cleared");
        options.Events.MapEventType<MergedInto>("merged_into");
        options.Events.MapEventType<DuplicateMerged>("duplicate_merged");
        options.Events.MapEventType<ChangeAwaitingApproval>("change_awaiting_approval");
        options.Events.MapEventType<ChangeApproved>("change_approved");
        options.Events.MapEventType<ChangeRejected>("change_rejected");
        options.Events.MapEventType<FlaggedAsLikelyDuplicate>("flagged_as_likely_duplicate");
        options.Events.MapEventType<HouseholdSplit>("household_split_v2");
        StoredShapes.Register(options);
        options.Events.MapEventType<SplitOff>("split_off");
        options.Events.MapEventType<FamilyJoined>("family_joined");
        options.Events.MapEventType<JoinedFamily>("joined_family");
        options.Events.MapEventType<IdentityExceptionGranted>("identity_exception_granted");
        options.Events.MapEventType<ConflictCaseOpened>("conflict_case_opened");
        options.Events.MapEventType<ConflictCaseResolved>("conflict_case_resolved");
        options.Events.MapEventType<ChangeFeedSubscription.RangeOnly>("change_feed_range_only");
    }
}
