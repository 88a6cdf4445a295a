using System.ComponentModel.DataAnnotations;

namespace Interop.Hub;

/// <summary>The hub's settings, bound from the <c>Hub</c> configuration section.</summary>
internal sealed class HubOptions
{
    public const string Section = "Hub";

    /// <summary>Address to listen on; loopback by default so that a development hub is not exposed.</summary>
    [Required]
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (the tests do that).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 7443;

    /// <summary>PEM certificate and key that the hub presents to partners.</summary>
    [Required]
    public string ServerCertificate { get; set; } = string.Empty;

    [Required]
    public string ServerKey { get; set; } = string.Empty;

    /// <summary>The partner CA (PEM): the only issuer whose client certificates are accepted.</summary>
    [Required]
    public string PartnerCa { get; set; } = string.Empty;

    /// <summary>The partner CA's certificate revocation list (PEM or DER), a local file read again whenever it changes; none by default.</summary>
    public string? PartnerCrl { get; set; }

    /// <summary>
    /// A JSON file of partners to register at start-up if the directory lacks them (the first
    /// steward of a new hub; the quick start's demo partners: certs/out/partners.json); none by default.
    /// </summary>
    public string? PartnerSeed { get; set; }

    /// <summary>How often the hub reads the partner directory again for changes made by another hub on the same database (its own take effect at once).</summary>
    [Range(1, 3600)]
    public int DirectoryRefreshSeconds { get; set; } = 5;

    /// <summary>
    /// Whether the hub applies its schema at start, as the schema owner (ConnectionStrings:RegistryOwner,
    /// or the serving connection when none is set); false for deployments that run <c>migrate</c> first.
    /// </summary>
    public bool MigrateAtStart { get; set; } = true;

    /// <summary>How often the counts of refused TLS handshakes are written to the access log.</summary>
    public int AccessLogHandshakeSeconds { get; set; } = 10;

    /// <summary>
    /// Every gRPC call needs an access token from the hub's token server (/connect/token), bound to
    /// the certificate it is presented with. On by default; off only for a hub whose partners have
    /// no OAuth2 client yet (docs/partners.md).
    /// </summary>
    public bool RequireAccessTokens { get; set; } = true;

    /// <summary>How long an access token is valid, in seconds (10 minutes by default).</summary>
    [Range(5, 3600)]
    public int AccessTokenSeconds { get; set; } = 600;

    /// <summary>Token and discovery requests one client certificate may make per second (bursts of two seconds' worth); beyond, HTTP 429.</summary>
    [Range(1, 1000)]
    public int TokenRequestsPerSecond { get; set; } = 5;

    /// <summary>PEM certificate and key the token server signs with; none: a key of the process's own (one hub; tokens die with it).</summary>
    public string? TokenSigningCertificate { get; set; }

    public string? TokenSigningKey { get; set; }

    /// <summary>How often the hub looks whether the revocation list file changed.</summary>
    [Range(1, 3600)]
    public int CrlReloadSeconds { get; set; } = Partners.RevokedCertificates.DefaultReloadSeconds;

    /// <summary>
    /// Start a private PostgreSQL cluster in <see cref="DataDirectory"/> when no ConnectionStrings:Registry
    /// is set (development: the quick-start script asks for it). Off by default, so that a production
    /// start without a connection string stops instead of quietly creating a database.
    /// </summary>
    public bool EmbeddedPostgres { get; set; }

    /// <summary>Data folder of the embedded PostgreSQL, used when <see cref="EmbeddedPostgres"/> is on and no ConnectionStrings:Registry is set.</summary>
    public string DataDirectory { get; set; } = "/var/tmp/interop-hub";

    /// <summary>Folder of Debian's PostgreSQL 15 binaries, for the embedded cluster.</summary>
    public string PostgresBinDirectory { get; set; } = "/usr/lib/postgresql/15/bin";

    /// <summary>
    /// The file holding the hub's Ed25519 key that signs the audit log's checkpoints, as a C2SP signer
    /// key (PRIVATE+KEY+name+hash+base64), readable by the hub alone and kept out of the database. Required
    /// unless the embedded development database is used, which keeps one in its data folder.
    /// </summary>
    public string? AuditSigningKey { get; set; }

    /// <summary>The audit log's origin, the first line of each checkpoint: names this log, so that no other log's checkpoint passes for it.</summary>
    [Required]
    public string AuditLogOrigin { get; set; } = "interop-hub.local/audit-log";

    /// <summary>
    /// The witnesses of the audit log (BPK): their cosignature verifier keys (name+hash+base64, type
    /// 0x04). The hub keeps a cosignature only from these; none by default.
    /// </summary>
    public string[] AuditWitnesses { get; set; } = [];

    /// <summary>
    /// Whether this hub writes the audit log. On by default; off only to measure what the log costs
    /// (scripts/bench-audit.sh). Rows stored while it is off are taken when a hub that writes it runs again.
    /// </summary>
    public bool AuditLog { get; set; } = true;

    /// <summary>How often the audit log takes newly stored rows as leaves.</summary>
    [Range(20, 10_000)]
    public int AuditTickMilliseconds { get; set; } = 200;

    /// <summary>The shortest time between two checkpoints while the log grows (one a second at most is C2SP's custom; the hub signs more often so an append is covered within a second).</summary>
    [Range(50, 60_000)]
    public int AuditCheckpointMilliseconds { get; set; } = 500;

    /// <summary>Database schema that holds the event store and projections.</summary>
    [Required]
    public string Schema { get; set; } = "interop";

    /// <summary>Ingest streams (submissions, reconciliations) one partner may have open at once.</summary>
    [Range(1, 1000)]
    public int MaxIngestStreamsPerPartner { get; set; } = Grpc.IngestStreams.DefaultPerPartner;

    /// <summary>Ingest streams the hub serves at once, all partners together: with the per-stream byte budget, the bound on what they hold.</summary>
    [Range(1, 10000)]
    public int MaxIngestStreams { get; set; } = Grpc.IngestStreams.DefaultTotal;

    /// <summary>How long an ingest stream's answers wait for a partner that stopped reading them before the stream is ended.</summary>
    [Range(1, 86400)]
    public int StalledStreamSeconds { get; set; } = Grpc.StalledAnswers.DefaultSeconds;

    /// <summary>Calls one partner may start per second on average (bursts of two seconds' worth); 0 turns the rate off.</summary>
    [Range(0, 1_000_000)]
    public int PartnerCallsPerSecond { get; set; } = Grpc.FairUse.DefaultCallsPerSecond;

    /// <summary>Calls (streams included) one partner may have open at once; 0 turns the cap off. Keep it well below the database connection pool (Npgsql: 100).</summary>
    [Range(0, 100_000)]
    public int PartnerConcurrentCalls { get; set; } = Grpc.FairUse.DefaultConcurrentCalls;

    /// <summary>Longest a unary call may run (the partner's own deadline applies if shorter); then DEADLINE_EXCEEDED.</summary>
    [Range(1, 3600)]
    public int UnaryCallSeconds { get; set; } = 30;

    /// <summary>
    /// Longest a unary call marked as a bulk operation may run (issuing or sealing a batch of a million
    /// lines takes minutes on a small machine); then DEADLINE_EXCEEDED and nothing of it is stored.
    /// </summary>
    [Range(1, 86_400)]
    public int BulkCallSeconds { get; set; } = 1800;

    /// <summary>Largest single gRPC message accepted; a household is a few kilobytes at most.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxReceiveMessageBytes { get; set; } = 1024 * 1024;
}
