using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Interop.Contracts.Hub.V1;
using Grpc.Net.Client;
using Interop.Contracts.Registry.V1;
using Interop.ReferenceData;
using Npgsql;
using NpgsqlTypes;

namespace Interop.Cli.Bench;

/// <summary>Settings of one benchmark run.</summary>
public sealed record BenchmarkSettings(int Households, int Seed, int ReadCallers, TimeSpan ReadDuration, int? HubProcessId, string DatabaseConnectionString, string CommandLine);

/// <summary>
/// Drives a running hub over mutual TLS and compares each scenario with a baseline measured in the
/// same run: bulk ingest against a raw PostgreSQL COPY of the same rows, reads by id and searches
/// by NIK against a trivial unary call on the same server and TLS setup.
/// </summary>
public sealed class Benchmark(GrpcChannel channel, BenchmarkSettings settings, Action<string> progress)
{
    /// <summary>Households per second the registry issue asks of the ingest on a 2-core machine.</summary>
    private const double TargetIngestRate = 10_000;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var regions = RegionTable.Load(RegionTable.DefaultPath);
        var runId = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var households = new SyntheticHouseholds(settings.Seed, regions, string.Empty, $"BENCH-{runId}-").Take(settings.Households).ToList();
        progress($"generated {households.Count:N0} households");

        var copy = await CopyBaselineAsync(households, cancellationToken);
        progress($"COPY baseline: {copy.Rate:N0} rows/s");
        var ingest = await IngestAsync(households, cancellationToken);
        progress($"ingest: {ingest.Rate:N0} households/s");
        var settled = await SettleAsync(cancellationToken);
        progress($"store settled in {settled.TotalSeconds:N0} s");
        var ids = ingest.HouseholdIds;
        var reads = await ReadLoadAsync("GetHousehold", async (client, random, token) =>
            await client.Registry.GetHouseholdAsync(new GetHouseholdRequest { HouseholdId = ids[random.Next(ids.Count)] }, cancellationToken: token), cancellationToken);
        progress($"reads: {reads.Rate:N0}/s");
        var searches = await ReadLoadAsync("SearchHouseholds by NIK", async (client, random, token) =>
        {
            var members = households[random.Next(households.Count)].Household.Members;
            await client.Registry.SearchHouseholdsAsync(new SearchHouseholdsRequest { Nik = members[random.Next(members.Count)].Nik }, cancellationToken: token);
        }, cancellationToken);
        progress($"searches by NIK: {searches.Rate:N0}/s");
        var ceiling = await ReadLoadAsync("HubService.GetPartnerIdentity", async (client, _, token) =>
            await client.Hub.GetPartnerIdentityAsync(new GetPartnerIdentityRequest(), cancellationToken: token), cancellationToken);
        progress($"trivial unary: {ceiling.Rate:N0}/s");
        return Report(copy, ingest, reads, searches, ceiling, settled);
    }

    /// <summary>Before the read scenarios, the store settles (<see cref="StoreSettling"/>): reads are measured on it rather than against the ingest's aftermath.</summary>
    private Task<TimeSpan> SettleAsync(CancellationToken cancellationToken) => StoreSettling.SettleAsync(settings.DatabaseConnectionString, cancellationToken);

    private async Task<Measured> CopyBaselineAsync(List<SubmitHouseholdsRequest> households, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(settings.DatabaseConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var create = new NpgsqlCommand(
            "drop table if exists bench_copy_baseline; create table bench_copy_baseline (partner_reference text primary key, family_card_number text, village_code text, address_line text, members jsonb)",
            connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var memory = MemorySampler.Start(settings.HubProcessId);
        var clock = Stopwatch.StartNew();
        await using (var import = await connection.BeginBinaryImportAsync(
            "copy bench_copy_baseline (partner_reference, family_card_number, village_code, address_line, members) from stdin (format binary)", cancellationToken))
        {
            foreach (var request in households)
            {
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(request.PartnerReference, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(request.Household.FamilyCardNumber, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(request.Household.VillageCode, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(request.Household.AddressLine, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(MembersJson(request), NpgsqlDbType.Jsonb, cancellationToken);
            }

            await import.CompleteAsync(cancellationToken);
        }

        clock.Stop();
        await using (var drop = new NpgsqlCommand("drop table bench_copy_baseline", connection))
        {
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        return new Measured(households.Count, clock.Elapsed, await memory.StopAsync());
    }

    private async Task<IngestMeasured> IngestAsync(List<SubmitHouseholdsRequest> households, CancellationToken cancellationToken)
    {
        var client = new RegistryService.RegistryServiceClient(channel);
        var arrivals = new List<TimeSpan>(households.Count);
        var ids = new List<string>(households.Count);
        var refused = 0;
        var memory = MemorySampler.Start(settings.HubProcessId);
        var clock = Stopwatch.StartNew();
        await HouseholdSubmission.RunAsync(client, households, outcome =>
        {
            arrivals.Add(clock.Elapsed);
            if (outcome.OutcomeCase == SubmitHouseholdsResponse.OutcomeOneofCase.Accepted)
            {
                ids.Add(outcome.Accepted.HouseholdId);
            }
            else
            {
                refused++;
            }

            if (arrivals.Count % 100_000 == 0)
            {
                progress($"  {arrivals.Count:N0} outcomes after {clock.Elapsed.TotalSeconds:N0} s");
            }
        }, cancellationToken);
        clock.Stop();
        var tenth = Math.Max(1, households.Count / 10);
        var firstTenth = arrivals[tenth - 1];
        var lastTenth = arrivals[^1] - arrivals[^tenth];
        return new IngestMeasured(households.Count, clock.Elapsed, await memory.StopAsync(), ids, refused, tenth / firstTenth.TotalSeconds, tenth / lastTenth.TotalSeconds);
    }

    private async Task<LatencyMeasured> ReadLoadAsync(string name, Func<Clients, Random, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        var clients = new Clients(new RegistryService.RegistryServiceClient(channel), new HubService.HubServiceClient(channel));
        for (var i = 0; i < 200; i++)
        {
            await call(clients, new Random(i), cancellationToken);
        }

        var memory = MemorySampler.Start(settings.HubProcessId);
        var latencies = new List<double>[settings.ReadCallers];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = Stopwatch.StartNew();
        var callers = Enumerable.Range(0, settings.ReadCallers).Select(caller => Task.Run(async () =>
        {
            var random = new Random(caller);
            var mine = latencies[caller] = [];
            while (clock.Elapsed < settings.ReadDuration)
            {
                var started = Stopwatch.GetTimestamp();
                await call(clients, random, stop.Token);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(callers);
        clock.Stop();
        var all = latencies.SelectMany(list => list).Order().ToList();
        return new LatencyMeasured(name, all.Count, clock.Elapsed, await memory.StopAsync(), Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private string Report(Measured copy, IngestMeasured ingest, LatencyMeasured reads, LatencyMeasured searches, LatencyMeasured ceiling, TimeSpan settled)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "unknown";
        var memoryKb = File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var text = new StringBuilder();
        text.AppendLine("# Benchmarks").AppendLine();
        text.AppendLine("Measured by the project's own benchmark tool (`interop bench`), every figure against a baseline measured in the same run.").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- When: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {Environment.ProcessorCount} cores ({cpu}), {long.Parse(memoryKb, CultureInfo.InvariantCulture) / 1024 / 1024} GiB RAM, {Environment.OSVersion}, .NET {Environment.Version}");
        text.AppendLine("- Hub, PostgreSQL and the benchmark client all run on this one machine, sharing its cores.");
        text.AppendLine("- How the ingest path writes a batch, each measured step that made it faster, and what bounds it: docs/architecture.md, \"The ingest path writes a batch in a handful of statements\".");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Command: `{settings.CommandLine}`");
        if (Environment.GetEnvironmentVariable("INTEROP_BENCH_REPRODUCE") is { Length: > 0 } reproduce)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- Reproduce (fresh hub and database, then the command above): `{reproduce}`");
        }

        text.AppendLine();
        text.AppendLine("## Bulk ingest").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{ingest.Count:N0} synthetic households (seed {settings.Seed}) through one `SubmitHouseholds` stream, against a binary `COPY` of the same rows (one row per household, members as JSON) into a plain table with a primary key.").AppendLine();
        text.AppendLine("| scenario | households | seconds | households/s | hub peak RSS |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        text.AppendLine(CultureInfo.InvariantCulture, $"| PostgreSQL COPY (ceiling) | {copy.Count:N0} | {copy.Elapsed.TotalSeconds:N1} | {copy.Rate:N0} | {Mib(copy.PeakHubBytes)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| SubmitHouseholds over mTLS | {ingest.Count:N0} | {ingest.Elapsed.TotalSeconds:N1} | {ingest.Rate:N0} | {Mib(ingest.PeakHubBytes)} |");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Ingest runs at **{ingest.Rate / copy.Rate:P1}** of the COPY ceiling ({copy.Rate / ingest.Rate:N1}x slower); {ingest.Refused:N0} households were refused.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- The registry issue's target for this machine is {TargetIngestRate:N0} households/s: this run reaches {ingest.Rate / TargetIngestRate:P0} of it.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- As the store grows: first tenth {ingest.FirstTenthRate:N0} households/s, last tenth {ingest.LastTenthRate:N0} households/s (ratio {ingest.LastTenthRate / ingest.FirstTenthRate:N2}).");
        text.AppendLine();
        text.AppendLine("## Reading one household by id, and searching by NIK").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"After the ingest, the store was left to settle ({settled.TotalSeconds:N0} s: the change-feed subscription caught up, then `ANALYZE`). {settings.ReadCallers} concurrent callers for {settings.ReadDuration.TotalSeconds:N0} s each, through one gRPC channel with the same mTLS setup, against `interop.hub.v1.HubService/GetPartnerIdentity`, which answers from the caller's certificate without touching data: the framework's ceiling for a unary call on this server and TLS setup.").AppendLine();
        text.AppendLine("| call | calls | calls/s | p50 ms | p99 ms | hub peak RSS |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var measured in new[] { ceiling, reads, searches })
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {measured.Name} | {measured.Count:N0} | {measured.Rate:N0} | {measured.P50:N2} | {measured.P99:N2} | {Mib(measured.PeakHubBytes)} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- `GetHousehold` runs at **{reads.Rate / ceiling.Rate:P1}** of the trivial call's rate.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- `SearchHouseholds` by a random member's NIK (found through the NIK registrations; one household a page) runs at **{searches.Rate / ceiling.Rate:P1}** of the trivial call's rate.");
        return text.ToString();
    }

    private static string Mib(long? bytes) => bytes is { } value ? $"{value / 1024.0 / 1024.0:N0} MiB" : "not measured";

    private static double Percentile(List<double> sorted, double fraction) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(fraction * sorted.Count) - 1)];

    private static string MembersJson(SubmitHouseholdsRequest request) =>
        JsonSerializer.Serialize(request.Household.Members.Select(member => new
        {
            nik = member.Nik,
            name = member.FullName,
            birth = $"{member.BirthDate.Year:D4}-{member.BirthDate.Month:D2}-{member.BirthDate.Day:D2}",
            sex = member.Sex.ToString(),
            relationship = member.Relationship.ToString(),
        }));

    private sealed record Clients(RegistryService.RegistryServiceClient Registry, HubService.HubServiceClient Hub);

    private record Measured(int Count, TimeSpan Elapsed, long? PeakHubBytes)
    {
        public double Rate => Count / Elapsed.TotalSeconds;
    }

    private sealed record IngestMeasured(int Count, TimeSpan Elapsed, long? PeakHubBytes, List<string> HouseholdIds, int Refused, double FirstTenthRate, double LastTenthRate)
        : Measured(Count, Elapsed, PeakHubBytes);

    private sealed record LatencyMeasured(string Name, int Count, TimeSpan Elapsed, long? PeakHubBytes, double P50, double P99) : Measured(Count, Elapsed, PeakHubBytes);
}
