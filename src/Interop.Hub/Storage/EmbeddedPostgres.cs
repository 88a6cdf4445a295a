using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Interop.Hub.Storage;

/// <summary>
/// A private PostgreSQL cluster run from Debian's binaries, for development and tests: created on
/// first use in a data folder that survives restarts, started with the hub and stopped with it.
/// PostgreSQL refuses to run as root, so as root every server command runs as the unprivileged
/// <c>postgres</c> system user, which must be able to reach the folder (so never under /root).
/// The folder and its secrets are owner-only from the first byte. A server already running on the
/// folder is adopted only when a hub started it from this folder (its cluster name carries the
/// token kept in the folder) and that hub is gone; any other is refused, never used.
/// </summary>
internal sealed class EmbeddedPostgres : IAsyncDisposable
{
    public const string DatabaseName = "interop";
    private const string SuperUser = "interop";
    private const string SystemUser = "postgres";

    /// <summary>The role the hub serves with: it owns nothing and may not change the schema (RegistrySchema grants it its rights).</summary>
    public const string ServingUser = "interop_hub";

    private readonly string binDirectory;
    private readonly string root;
    private readonly ILogger logger;
    private string password = string.Empty;
    private string servingPassword = string.Empty;
    private bool stopped;

    private EmbeddedPostgres(string binDirectory, string root, ILogger logger)
    {
        this.binDirectory = binDirectory;
        this.root = root;
        this.logger = logger;
    }

    public int Port { get; private set; }

    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Password = password,
        Database = DatabaseName,
    }.ConnectionString;

    /// <summary>The connection the hub serves with, as <see cref="ServingUser"/>; <see cref="ConnectionString"/> is the schema owner's.</summary>
    public string ServingConnectionString => ServingConnectionStringFor(DatabaseName);

    /// <summary>The serving role's connection to a database of this cluster.</summary>
    public string ServingConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Username = ServingUser, Password = servingPassword, Database = database }.ConnectionString;

    private string DataDirectory => Path.Combine(root, "pgdata");

    private static bool RunningAsRoot => Environment.UserName == "root";

    /// <summary>Creates the cluster if the folder holds none, starts it (or adopts one already running there) and ensures the database exists.</summary>
    public static async Task<EmbeddedPostgres> StartAsync(string binDirectory, string dataRoot, ILogger logger, CancellationToken cancellationToken = default)
    {
        var root = Path.GetFullPath(dataRoot);
        if (RunningAsRoot && (root == "/root" || root.StartsWith("/root/", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException(
                $"The embedded PostgreSQL folder {root} is under /root, which the postgres system user cannot reach. Set Hub:Storage:DataDirectory to a folder such as /var/tmp/interop-hub.");
        }

        if (!File.Exists(Path.Combine(binDirectory, "pg_ctl")))
        {
            throw new InvalidOperationException($"PostgreSQL binaries not found in {binDirectory}; install Debian's postgresql package or set ConnectionStrings:Registry.");
        }

        CreateOwnerOnlyDirectory(root);
        var passwordFile = Path.Combine(root, "superuser.password");
        var cluster = new EmbeddedPostgres(binDirectory, root, logger);
        if (!File.Exists(Path.Combine(cluster.DataDirectory, "PG_VERSION")))
        {
            await cluster.InitializeAsync(passwordFile, cancellationToken);
        }

        cluster.password = (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim();
        cluster.Port = await cluster.AdoptablePortAsync(cancellationToken) ?? await cluster.StartServerAsync(cancellationToken);
        await cluster.EnsureDatabaseAsync(cancellationToken);
        await cluster.EnsureServingRoleAsync(Path.Combine(root, "serving.password"), cancellationToken);
        logger.LogInformation("Embedded PostgreSQL ready on 127.0.0.1:{Port} with data in {DataDirectory}", cluster.Port, cluster.DataDirectory);
        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        if (stopped)
        {
            return;
        }

        stopped = true;
        await RunServerCommandAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60"], CancellationToken.None);
        logger.LogInformation("Embedded PostgreSQL stopped");
    }

    private async Task InitializeAsync(string passwordFile, CancellationToken cancellationToken)
    {
        logger.LogInformation("Creating an embedded PostgreSQL cluster in {DataDirectory}", DataDirectory);
        var newPassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        await WriteSecretAsync(passwordFile, newPassword, cancellationToken);

        // initdb reads the password from a file the server user can read; it is removed right after.
        var initPasswordFile = Path.Combine(root, ".initdb-password");
        File.Delete(initPasswordFile);
        await WriteSecretAsync(initPasswordFile, newPassword, cancellationToken);
        try
        {
            GiveToServerUser(root);
            GiveToServerUser(initPasswordFile);
            await RunServerCommandAsync(
                "initdb",
                ["-D", DataDirectory, "-U", SuperUser, "--pwfile", initPasswordFile, "--auth", "scram-sha-256", "-E", "UTF8", "--no-locale"],
                cancellationToken);
        }
        finally
        {
            File.Delete(initPasswordFile);
        }
    }

    private string OwnerFile => Path.Combine(root, "cluster.owner");

    /// <summary>
    /// The port of a server already running on this data folder, when it is one a hub started from
    /// here and left behind (it did not stop cleanly); null when none runs. Any other server running
    /// on the folder (started by hand, by another tool, or by a hub still running) is refused.
    /// </summary>
    private async Task<int?> AdoptablePortAsync(CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return null;
        }

        var lines = await File.ReadAllLinesAsync(pidFile, cancellationToken);
        if (lines.Length < 4 || !int.TryParse(lines[0], out var pid) || !int.TryParse(lines[3], out var port) || !IsAlive(pid))
        {
            return null;
        }

        string Refusal(string why) =>
            $"A PostgreSQL server (process {pid}) is already running on {DataDirectory} and {why}; the hub does not use a server it did not start. "
            + $"Stop it (pg_ctl stop -D {DataDirectory}) or set Hub:DataDirectory to another folder.";
        var owner = File.Exists(OwnerFile) ? (await File.ReadAllTextAsync(OwnerFile, cancellationToken)).Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        if (owner is not [var token, var hub] || !int.TryParse(hub, out var hubProcess))
        {
            throw new InvalidOperationException(Refusal("no hub started it from this folder"));
        }

        if (hubProcess != Environment.ProcessId && IsAlive(hubProcess))
        {
            throw new InvalidOperationException(Refusal($"the hub that started it (process {hubProcess}) still runs"));
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Port = port, Database = "postgres", Pooling = false, Timeout = 5 };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var settings = new NpgsqlCommand("select current_setting('cluster_name'), current_setting('data_directory')", connection);
            await using var reader = await settings.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.GetString(0) != ClusterName(token) || Path.GetFullPath(reader.GetString(1)) != Path.GetFullPath(DataDirectory))
            {
                throw new InvalidOperationException(Refusal("it is not the cluster a hub started from this folder"));
            }
        }
        catch (NpgsqlException)
        {
            throw new InvalidOperationException(Refusal("this hub cannot sign in to it as the cluster's own superuser"));
        }

        logger.LogWarning("Adopting the embedded PostgreSQL a previous hub started from {DataDirectory} and left running", DataDirectory);
        await WriteSecretAsync(OwnerFile, $"{token} {Environment.ProcessId}", cancellationToken, replace: true);
        return port;
    }

    private static string ClusterName(string token) => $"interop-hub-{token}";

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>A folder only its owner can enter, from its creation on. An existing folder is left as it is (it may be shared, /var/tmp say); the secrets in it are owner-only files anyway.</summary>
    private static void CreateOwnerOnlyDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>A file only its owner can read, created so from the first byte (never world-readable, even for a moment).</summary>
    private static async Task WriteSecretAsync(string path, string content, CancellationToken cancellationToken, bool replace = false)
    {
        var options = new FileStreamOptions { Mode = replace ? FileMode.Create : FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(content.AsMemory(), cancellationToken);
    }

    private async Task<int> StartServerAsync(CancellationToken cancellationToken)
    {
        var port = FreeLoopbackPort();
        var socketDirectory = Path.Combine(root, "socket");
        CreateOwnerOnlyDirectory(socketDirectory);
        GiveToServerUser(socketDirectory);
        // The cluster's name carries a fresh token kept in the folder: a later start can tell this
        // server from any other running on the folder.
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await WriteSecretAsync(OwnerFile, $"{token} {Environment.ProcessId}", cancellationToken, replace: true);
        // Durable (fsync, synchronous commit) but sized for bulk ingest: larger buffers, and checkpoints
        // spaced out so that a big load is not dominated by full-page images in the WAL.
        var options = $"-c listen_addresses=127.0.0.1 -p {port} -k {socketDirectory} -c cluster_name={ClusterName(token)} -c max_connections=200 -c fsync=on -c synchronous_commit=on "
            + "-c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=15min -c wal_buffers=64MB "
            // The data sits in memory or on SSD: random reads cost little more than sequential ones, so
            // a batch's lookup of 2,000 NIKs stays an index scan instead of reading the whole table.
            + "-c random_page_cost=1.1 -c effective_cache_size=8GB "
            // An error's DETAIL can quote data ("Key (nik)=(...) already exists" when a batch meets a
            // NIK registered meanwhile): the server log keeps the error and its statement, never the detail.
            + "-c log_error_verbosity=terse";
        await RunServerCommandAsync(
            "pg_ctl",
            ["start", "-D", DataDirectory, "-l", Path.Combine(DataDirectory, "server.log"), "-w", "-t", "60", "-o", options],
            cancellationToken);
        return port;
    }

    /// <summary>The serving role: may sign in, owns nothing, creates nothing; its password kept owner-only in the folder.</summary>
    private async Task EnsureServingRoleAsync(string passwordFile, CancellationToken cancellationToken)
    {
        if (!File.Exists(passwordFile))
        {
            await WriteSecretAsync(passwordFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)), cancellationToken);
        }

        servingPassword = (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim();
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        // The password is hex, so it can be written into the statement (ALTER ROLE takes no parameters).
        await using var ensure = new NpgsqlCommand(
            $"""
            do $role$
            begin
              if not exists (select 1 from pg_roles where rolname = '{ServingUser}') then
                create role {ServingUser} login nosuperuser nocreatedb nocreaterole noinherit;
              end if;
              alter role {ServingUser} password '{servingPassword}';
            end
            $role$
            """,
            connection);
        await ensure.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task EnsureDatabaseAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = @name", connection);
        exists.Parameters.AddWithValue("name", DatabaseName);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"create database {DatabaseName}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private async Task RunServerCommandAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var executable = Path.Combine(binDirectory, program);
        var start = new ProcessStartInfo
        {
            WorkingDirectory = "/",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (RunningAsRoot)
        {
            start.FileName = "runuser";
            foreach (var argument in (string[])["-u", SystemUser, "--", executable])
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = executable;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} failed with exit code {process.ExitCode}: {(await error).Trim()} {(await output).Trim()} (server log: {Path.Combine(DataDirectory, "server.log")})");
        }
    }

    private static void GiveToServerUser(string path)
    {
        if (!RunningAsRoot)
        {
            return;
        }

        using var chown = Process.Start("chown", ["-R", $"{SystemUser}:{SystemUser}", path]);
        chown.WaitForExit();
        if (chown.ExitCode != 0)
        {
            throw new InvalidOperationException($"Could not give {path} to the {SystemUser} user.");
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
