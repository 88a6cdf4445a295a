using System.CommandLine;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Interop.Contracts.Audit.V1;
using Spectre.Console;

namespace Interop.Cli;

/// <summary>
/// <c>interop access-log</c>: the hub's access log, for auditors and the steward (scope audit.read):
/// every read of a person's record and every refusal, newest first, filtered by partner, household
/// and time window, following pages up to <c>--limit</c> entries.
/// </summary>
internal static class AccessLogCommands
{
    public static Command AccessLog(PartnerOptions partner)
    {
        var partnerId = new Option<string?>("--of") { Description = "Only the entries of this partner (its id in the directory)" };
        var household = new Option<string?>("--household") { Description = "Only the entries naming this household (its record id)" };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Entries at or after this moment (ISO 8601, e.g. 2026-03-31T00:00:00Z)" };
        var until = new Option<DateTimeOffset?>("--until") { Description = "Entries before this moment" };
        var limit = new Option<int>("--limit") { Description = "At most this many entries", DefaultValueFactory = _ => 100 };
        var command = new Command("access-log", "Who read whose record, for what purpose, and every refusal (auditors and the steward)") { partnerId, household, since, until, limit };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            using var channel = partner.Open(result);
            var client = new AccessLogService.AccessLogServiceClient(channel);
            var request = new ListAccessEntriesRequest
            {
                PartnerId = result.GetValue(partnerId) ?? string.Empty,
                HouseholdId = result.GetValue(household) ?? string.Empty,
                StartTime = result.GetValue(since) is { } start ? Timestamp.FromDateTimeOffset(start) : null,
                EndTime = result.GetValue(until) is { } end ? Timestamp.FromDateTimeOffset(end) : null,
            };
            var wanted = Math.Max(1, result.GetValue(limit));
            var table = new Table().AddColumns("#", "Time (UTC)", "Partner", "Officer", "Method", "Purpose", "Households", "Fields", "Outcome", "Detail");
            var shown = 0;
            do
            {
                request.PageSize = Math.Min(500, wanted - shown);
                var page = await client.ListAccessEntriesAsync(request, cancellationToken: cancellationToken);
                foreach (var entry in page.Entries)
                {
                    table.AddRow(
                        entry.Sequence.ToString(CultureInfo.InvariantCulture),
                        entry.Time.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                        Markup.Escape(entry.PartnerId),
                        Markup.Escape(entry.OfficerId),
                        Markup.Escape(entry.Method),
                        Markup.Escape(entry.Purpose),
                        Markup.Escape(string.Join(' ', entry.HouseholdIds)),
                        Markup.Escape(string.Join(' ', entry.Fields.Where(field => !field.EndsWith(":whole", StringComparison.Ordinal)).DefaultIfEmpty(entry.Fields.Count > 0 ? "all whole" : string.Empty))),
                        Markup.Escape(entry.Count > 1 ? $"{entry.Outcome} x{entry.Count}" : entry.Outcome),
                        Markup.Escape(entry.Detail));
                    shown++;
                }

                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0 && shown < wanted);

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"{shown} entr{(shown == 1 ? "y" : "ies")}, newest first.");
            return 0;
        }, partner));
        return command;
    }
}
