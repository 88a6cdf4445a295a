using System.Globalization;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Interop.Hub.Audit.AccessLog;
using Interop.Hub.Disbursements.Accounts;
using Interop.Hub.Disbursements.Batches;
using Interop.Hub.Disbursements.Confirmations;
using Interop.Hub.Disbursements.Reconciliation;
using Interop.Hub.Grpc;
using Interop.Hub.Partners;
using Interop.Hub.Partners.Directory;
using Interop.Hub.Partners.Tokens;
using Interop.ReferenceData;
using Interop.Hub.Registry.ChangeFeed;
using Interop.Hub.Registry.ChangeHousehold;
using Interop.Hub.Registry.Conflicts;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Registry.Reads;
using Interop.Hub.Registry.Search;
using Interop.Hub.Registry.Reconciliation;
using Interop.Hub.Storage;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Interop.Hub;

/// <summary>A setting the hub cannot start without is missing or wrong; the message says which and how to set it.</summary>
internal sealed class HubConfigurationException(string message) : Exception(message);

/// <summary>Composes the hub: mTLS Kestrel, partner access, the event store and the gRPC services.</summary>
internal static class HubHost
{
    public const string ConnectionStringName = "Registry";

    /// <summary>The schema owner's connection, for migrations; the hub serves with <see cref="ConnectionStringName"/>.</summary>
    public const string OwnerConnectionStringName = "RegistryOwner";

    /// <summary>Builds the hub; starts its embedded PostgreSQL first when no connection string is configured.</summary>
    public static async Task<WebApplication> BuildAsync(string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        // Settings files ship beside the binary; relative certificate paths still resolve from the working folder.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var options = builder.Configuration.GetSection(HubOptions.Section).Get<HubOptions>() ?? new HubOptions();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        builder.Services.AddSingleton(Options.Create(options));

        // A bundle: during a CA rollover the old and the new partner CA are both trusted.
        var partnerCas = new X509Certificate2Collection();
        partnerCas.ImportFromPemFile(options.PartnerCa);
        if (partnerCas.Count == 0)
        {
            throw new HubConfigurationException($"Hub:PartnerCa {options.PartnerCa} holds no certificate.");
        }

        var revoked = new RevokedCertificates(partnerCas, string.IsNullOrWhiteSpace(options.PartnerCrl) ? null : options.PartnerCrl)
        {
            ReloadEvery = TimeSpan.FromSeconds(options.CrlReloadSeconds),
        };
        revoked.LoadOrThrow();
        builder.Services.AddSingleton(revoked);
        builder.Services.AddHostedService(services => services.GetRequiredService<RevokedCertificates>());
        var partnerCertificates = new PartnerCertificates(partnerCas, revoked);
        var refusedHandshakes = new RefusedHandshakes(TimeSpan.FromSeconds(options.AccessLogHandshakeSeconds));
        var serverCertificate = X509Certificate2.CreateFromPemFile(options.ServerCertificate, options.ServerKey);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(options.ListenAddress), options.Port, listen =>
            {
                // gRPC over HTTP/2; the token endpoint also over HTTP/1.1, as most OAuth2 clients call it (ALPN chooses).
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serverCertificate,
                    SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                    ClientCertificateValidation = (certificate, chain, _) =>
                    {
                        if (partnerCertificates.RefusalOf(certificate, chain) is not { } refusal)
                        {
                            return true;
                        }

                        refusedHandshakes.CertificateRefused(refusal, PartnerCertificates.Thumbprint(certificate));
                        return false;
                    },
                });
            });
        });

        EmbeddedPostgres? embedded = null;
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (!options.EmbeddedPostgres)
            {
                throw new HubConfigurationException(
                    $"No registry database is configured. Set ConnectionStrings:{ConnectionStringName} (environment ConnectionStrings__{ConnectionStringName}) to the hub's PostgreSQL, "
                    + "or, for development only, Hub:EmbeddedPostgres=true to run a private cluster in Hub:DataDirectory (scripts/start-hub.sh does).");
            }

            using var loggers = LoggerFactory.Create(logging => logging.AddConsole());
            embedded = await EmbeddedPostgres.StartAsync(options.PostgresBinDirectory, options.DataDirectory, loggers.CreateLogger<EmbeddedPostgres>());
            connectionString = embedded.ServingConnectionString;
            builder.Services.AddHostedService(_ => new EmbeddedPostgresLifetime(embedded));
        }

        try
        {
            if (options.MigrateAtStart)
            {
                var owner = embedded?.ConnectionString ?? builder.Configuration.GetConnectionString(OwnerConnectionStringName);
                await MigrateAsync(string.IsNullOrWhiteSpace(owner) ? connectionString : owner, connectionString, options.Schema);
            }

            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton(RegionTable.Load(RegionTable.DefaultPath));
            builder.Services.AddRegistryStore(connectionString, options.Schema);
            builder.Services.AddScoped<HouseholdProposals>();
            builder.Services.AddScoped<ProposalSubmission>();
            builder.Services.AddScoped<RegisterReads>();
            builder.Services.AddSingleton<PastHouseholds>();
            builder.Services.AddScoped<HouseholdSearch>();
            builder.Services.AddScoped<HouseholdChanges>();
            builder.Services.AddScoped<ConflictResolutions>();
            builder.Services.AddScoped<IdentityReconciliation>();
            builder.Services.AddScoped<RecipientAccounts>();
            builder.Services.AddScoped<BatchIssuing>();
            builder.Services.AddScoped<BatchReads>();
            builder.Services.AddScoped<BankFeed>();
            builder.Services.AddScoped<PaymentConfirmations>();
            builder.Services.AddScoped<BatchReconciliation>();
            builder.Services.AddSingleton(new IngestStreams(options.MaxIngestStreamsPerPartner, options.MaxIngestStreams));
            builder.Services.AddSingleton(new StalledAnswers(TimeSpan.FromSeconds(options.StalledStreamSeconds)));
            builder.Services.AddSingleton<ChangeFeedSignal>();
            builder.Services.AddHostedService(services => services.GetRequiredService<ChangeFeedSignal>());
            builder.Services.AddSingleton<ChangeFeedReader>();
            builder.Services.AddSingleton(Interop.Hub.Audit.Log.CheckpointSigner.FromSettings(options));
            if (options.AuditLog)
            {
                builder.Services.AddHostedService<Interop.Hub.Audit.Log.LogSequencer>();
            }

            builder.Services.AddSingleton(Interop.Hub.Audit.Log.LogWitnesses.FromSettings(options));
            builder.Services.AddSingleton<Interop.Hub.Audit.Log.LogReads>();
            builder.Services.AddSingleton<Interop.Hub.Audit.Log.EvidencePackages>();
            builder.Services.AddSingleton<Interop.Hub.Audit.Replay.RecordReplay>();
            builder.Services.AddSingleton<AccessLog>();
            builder.Services.AddHostedService(services => services.GetRequiredService<AccessLog>());
            builder.Services.AddHostedService(services => refusedHandshakes.WritingTo(services.GetRequiredService<AccessLog>(), services.GetRequiredService<TimeProvider>()));
            builder.Services.AddPartnerAccess(partnerCertificates);
            var signing = string.IsNullOrWhiteSpace(options.TokenSigningCertificate)
                ? null
                : X509Certificate2.CreateFromPemFile(options.TokenSigningCertificate, options.TokenSigningKey);
            builder.Services.AddTokenServer(partnerCas, TimeSpan.FromSeconds(options.AccessTokenSeconds), signing);
            builder.Services.AddScoped<PartnerAdministration>();
            builder.Services.AddScoped<PartnerReads>();
            if (!string.IsNullOrWhiteSpace(options.PartnerSeed))
            {
                // Registered before the directory, so that the first read of the directory holds what the seed brought.
                builder.Services.AddHostedService(services => new PartnerSeed(options.PartnerSeed, services.GetRequiredService<IServiceScopeFactory>(), services.GetRequiredService<ILogger<PartnerSeed>>()));
            }

            builder.Services.AddSingleton(services => new PartnerDirectory(
                services.GetRequiredService<Marten.IDocumentStore>(), TimeSpan.FromSeconds(options.DirectoryRefreshSeconds), services.GetRequiredService<ILogger<PartnerDirectory>>()));
            builder.Services.AddHostedService(services => services.GetRequiredService<PartnerDirectory>());
            builder.Services.AddGrpc(grpc =>
            {
                grpc.MaxReceiveMessageSize = options.MaxReceiveMessageBytes;
                grpc.Interceptors.Add<CallBoundaryInterceptor>();
                grpc.Interceptors.Add<PersonalDataInterceptor>();
            });
            builder.Services.AddFairUse(options);
            builder.Services.AddGrpcReflection();
            builder.Services.AddGrpcHealthChecks().AddCheck<RegistryStoreHealthCheck>("registry-store");

            var app = builder.Build();
            if (embedded is null && string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(OwnerConnectionStringName)))
            {
                app.Logger.LogWarning(
                    "No ConnectionStrings:{Owner} is set: the hub serves as the role that may change its schema. Serve as a role that owns nothing (docs/operations.md, \"Database roles\")",
                    OwnerConnectionStringName);
            }

            revoked.Logger = app.Services.GetRequiredService<ILogger<RevokedCertificates>>();
            // Outermost: whatever refuses a call, the refusal is logged.
            var recording = new AccessRecording(app.Services.GetRequiredService<AccessLog>(), app.Services.GetRequiredService<TimeProvider>(), Partners.Tokens.TokenServer.TokenPath);
            app.Use((http, next) => recording.InvokeAsync(http, next));
            // The token server answers inside authentication: its own guard stands before it.
            var tokenGuard = new TokenEndpointGuard(options.TokenRequestsPerSecond);
            app.Use((http, next) => tokenGuard.InvokeAsync(http, next));
            app.UseAuthentication();
            // Checked on every call, and calls already open are aborted once their certificate is revoked or their partner suspended.
            var gate = new AccessGate(revoked, app.Services.GetRequiredService<PartnerDirectory>(), options.RequireAccessTokens, app.Services.GetRequiredService<ILogger<AccessGate>>());
            app.Use((http, next) => gate.InvokeAsync(http, next));
            if (options.PartnerCallsPerSecond > 0 || options.PartnerConcurrentCalls > 0)
            {
                app.UseRateLimiter();
            }

            app.UseAuthorization();
            app.MapGrpcService<RegistryGrpcService>();
            app.MapGrpcService<RegistryV2GrpcService>();
            app.MapGrpcService<HubGrpcService>();
            app.MapGrpcService<ReconciliationGrpcService>();
            app.MapGrpcService<PartnerAdminGrpcService>();
            app.MapGrpcService<AccessLogGrpcService>();
            app.MapGrpcService<AuditLogGrpcService>();
            app.MapGrpcService<ReplayGrpcService>();
            app.MapGrpcService<AccountOpeningGrpcService>();
            app.MapGrpcService<DisbursementBatchGrpcService>();
            app.MapGrpcService<PaymentGrpcService>();
            app.MapGrpcHealthChecksService().RequireAuthorization(PartnerAccess.AnyPartner);
            app.MapGrpcReflectionService().RequireAuthorization(PartnerAccess.AnyPartner);
            return app;
        }
        catch
        {
            if (embedded is not null)
            {
                await embedded.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// <c>Interop.Hub migrate</c>: applies the schema with ConnectionStrings:RegistryOwner (or
    /// ConnectionStrings:Registry when no owner is set) and grants the role of
    /// ConnectionStrings:Registry what serving needs, then exits; for deployments that run schema
    /// changes as a step of their own and start the hub with Hub:MigrateAtStart=false.
    /// </summary>
    public static async Task<int> MigrateOnlyAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();
        var options = configuration.GetSection(HubOptions.Section).Get<HubOptions>() ?? new HubOptions();
        var serving = configuration.GetConnectionString(ConnectionStringName);
        var owner = configuration.GetConnectionString(OwnerConnectionStringName);
        if (string.IsNullOrWhiteSpace(serving) && string.IsNullOrWhiteSpace(owner))
        {
            throw new HubConfigurationException($"migrate needs ConnectionStrings:{OwnerConnectionStringName} (the schema owner) and ConnectionStrings:{ConnectionStringName} (the role the hub serves with).");
        }

        await MigrateAsync(string.IsNullOrWhiteSpace(owner) ? serving! : owner, string.IsNullOrWhiteSpace(serving) ? null : serving, options.Schema);
        return 0;
    }

    /// <summary>
    /// <c>Interop.Hub seed-payable --households N [--seed S]</c>: for benchmarks on a development
    /// machine only. Starts the embedded PostgreSQL (Hub:EmbeddedPostgres=true, Hub:DataDirectory),
    /// applies the schema, fills the empty register with N synthetic households a PKH batch pays
    /// (<see cref="Seeding.PayableSeed"/>), stops the database and exits. Refuses a configured
    /// database and a register that holds households.
    /// </summary>
    public static async Task<int> SeedPayableAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddCommandLine(args)
            .Build();
        var options = configuration.GetSection(HubOptions.Section).Get<HubOptions>() ?? new HubOptions();
        if (!options.EmbeddedPostgres || !string.IsNullOrWhiteSpace(configuration.GetConnectionString(ConnectionStringName)))
        {
            throw new HubConfigurationException("seed-payable writes synthetic households into the embedded development database only: set Hub:EmbeddedPostgres=true and no ConnectionStrings:Registry.");
        }

        if (!int.TryParse(configuration["households"], CultureInfo.InvariantCulture, out var households) || households < 1)
        {
            throw new HubConfigurationException("seed-payable needs --households N, a positive number.");
        }

        var seed = int.TryParse(configuration["seed"], CultureInfo.InvariantCulture, out var given) ? given : 2026;
        if (File.Exists(Path.Combine(Path.GetFullPath(options.DataDirectory), "pgdata", "postmaster.pid")))
        {
            // Its PostgreSQL is running, for a hub most likely: seeding would stop it when done.
            throw new HubConfigurationException($"the embedded PostgreSQL of {options.DataDirectory} is running; stop the hub using it first.");
        }

        using var loggers = LoggerFactory.Create(logging => logging.AddConsole());
        var logger = loggers.CreateLogger("Interop.Hub.Seeding");
        await using var embedded = await EmbeddedPostgres.StartAsync(options.PostgresBinDirectory, options.DataDirectory, loggers.CreateLogger<EmbeddedPostgres>());
        await MigrateAsync(embedded.ConnectionString, embedded.ServingConnectionString, options.Schema);
        using var store = Marten.DocumentStore.For(marten => EventStore.Configure(marten, embedded.ServingConnectionString, options.Schema));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stored = await new Seeding.PayableSeed(store, RegionTable.Load(RegionTable.DefaultPath), Seeding.SeedActors.Development)
            .SeedAsync(households, seed, message => logger.LogInformation("{Progress} after {Seconds:N0} s", message, clock.Elapsed.TotalSeconds), CancellationToken.None);
        logger.LogInformation("Seeded {Households} payable households in {Seconds:N0} s", stored, clock.Elapsed.TotalSeconds);
        return 0;
    }

    /// <summary>The schema, applied by its owner; the serving role (when another) granted what it needs. A database that refuses is a plain refusal, not a stack trace.</summary>
    private static async Task MigrateAsync(string ownerConnectionString, string? servingConnectionString, string schema)
    {
        var servingRole = servingConnectionString is null ? null : RegistrySchema.RoleOf(servingConnectionString);
        try
        {
            await RegistrySchema.MigrateAsync(ownerConnectionString, schema, servingRole == RegistrySchema.RoleOf(ownerConnectionString) ? null : servingRole, CancellationToken.None);
        }
        catch (Exception exception) when (Storage.PrivateMartenLogger.Cause<Npgsql.NpgsqlException>(exception) is { } cause)
        {
            // Marten wraps the database's refusal (a schema change by a role that may not make it). Its
            // text is shown only for refusals of rights and missing objects, which name objects; a data
            // error's text can quote a stored value (a NIK an upgrade step could not convert).
            var reason = cause is Npgsql.PostgresException postgres
                ? postgres.SqlState[..2] is "42" or "28" or "3D" or "3F"
                    ? $"{postgres.SqlState} {postgres.MessageText}"
                    : $"{postgres.SqlState} on {postgres.TableName ?? postgres.ConstraintName ?? "a statement of the migration"}"
                : cause.GetType().Name;
            throw new HubConfigurationException($"The registry's schema could not be applied as {RegistrySchema.RoleOf(ownerConnectionString)}: {reason}");
        }
    }
}
