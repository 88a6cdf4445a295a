using System.CommandLine;
using Interop.Contracts.Partners.V1;
using Spectre.Console;

namespace Interop.Cli;

/// <summary>
/// <c>interop partners ...</c>: the partner directory, for the registry steward (scope
/// partners.admin). A change is based on the version of the record just read, unless
/// <c>--expected-version</c> names the one the operator looked at.
/// </summary>
internal static class PartnerCommands
{
    public static Command Partners(PartnerOptions partner)
    {
        var command = new Command("partners", "The hub's partner directory (the registry steward only): list, show, history, register, suspend, reinstate, scopes, areas, bind, unbind");
        command.Subcommands.Add(List(partner));
        command.Subcommands.Add(Show(partner));
        command.Subcommands.Add(History(partner));
        command.Subcommands.Add(Register(partner));
        command.Subcommands.Add(Change(partner, "suspend", "Suspend a partner: every call it makes is refused from its next one", async (client, id, version, reason, _, token) =>
            (await client.SuspendPartnerAsync(new SuspendPartnerRequest { PartnerId = id, ExpectedVersion = version, Reason = reason }, cancellationToken: token)).Partner));
        command.Subcommands.Add(Change(partner, "reinstate", "Lift a partner's suspension", async (client, id, version, reason, _, token) =>
            (await client.ReinstatePartnerAsync(new ReinstatePartnerRequest { PartnerId = id, ExpectedVersion = version, Reason = reason }, cancellationToken: token)).Partner));
        command.Subcommands.Add(Change(partner, "scopes", "Replace the scopes a partner holds (values: the scopes, comma-separated; empty for none)", async (client, id, version, reason, values, token) =>
            (await client.ChangePartnerScopesAsync(new ChangePartnerScopesRequest { PartnerId = id, ExpectedVersion = version, Reason = reason, Scopes = { values } }, cancellationToken: token)).Partner, valuesRequired: true));
        command.Subcommands.Add(Change(partner, "areas", "Replace the areas a partner serves (values: region codes, comma-separated)", async (client, id, version, reason, values, token) =>
            (await client.ChangePartnerAreasAsync(new ChangePartnerAreasRequest { PartnerId = id, ExpectedVersion = version, Reason = reason, Areas = { values } }, cancellationToken: token)).Partner, valuesRequired: true));
        command.Subcommands.Add(Change(partner, "bind", "Bind another certificate to a partner (values: the certificate's PEM file)", async (client, id, version, reason, values, token) =>
            (await client.BindPartnerCertificateAsync(new BindPartnerCertificateRequest { PartnerId = id, ExpectedVersion = version, Reason = reason, CertificatePem = File.ReadAllText(Single(values, "the certificate's PEM file")) }, cancellationToken: token)).Partner, valuesRequired: true));
        command.Subcommands.Add(Change(partner, "unbind", "Unbind a certificate from a partner (values: its SHA-256 thumbprint, as partners show prints it)", async (client, id, version, reason, values, token) =>
            (await client.UnbindPartnerCertificateAsync(new UnbindPartnerCertificateRequest { PartnerId = id, ExpectedVersion = version, Reason = reason, Sha256Thumbprint = Single(values, "the thumbprint") }, cancellationToken: token)).Partner, valuesRequired: true));
        return command;
    }

    private static Command List(PartnerOptions partner)
    {
        var command = new Command("list", "List every partner: kind, status, areas, scopes");
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            using var channel = partner.Open(result);
            var partners = (await new PartnerAdminService.PartnerAdminServiceClient(channel).ListPartnersAsync(new ListPartnersRequest(), cancellationToken: cancellationToken)).Partners;
            var table = new Table().AddColumns("Partner", "Kind", "Status", "Areas", "Scopes", "Certificates", "Version");
            foreach (var each in partners)
            {
                table.AddRow(each.PartnerId, Kind(each.Kind), Status(each.Status), Areas(each), string.Join(", ", each.Scopes), each.Certificates.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), each.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            return 0;
        }, partner));
        return command;
    }

    private static Command Show(PartnerOptions partner)
    {
        var id = new Argument<string>("partner-id");
        var command = new Command("show", "Show one partner as the directory holds it, with its certificates") { id };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            using var channel = partner.Open(result);
            Print((await new PartnerAdminService.PartnerAdminServiceClient(channel).GetPartnerAsync(new GetPartnerRequest { PartnerId = result.GetValue(id) }, cancellationToken: cancellationToken)).Partner);
            return 0;
        }, partner));
        return command;
    }

    private static Command History(PartnerOptions partner)
    {
        var id = new Argument<string>("partner-id");
        var command = new Command("history", "Every change to a partner: what, who, when and why") { id };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            using var channel = partner.Open(result);
            var changes = (await new PartnerAdminService.PartnerAdminServiceClient(channel).GetPartnerHistoryAsync(new GetPartnerHistoryRequest { PartnerId = result.GetValue(id) }, cancellationToken: cancellationToken)).Changes;
            foreach (var change in changes)
            {
                AnsiConsole.MarkupLine($"[bold]{change.RecordedAt.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss}Z[/] v{change.Version} {change.Kind.Replace('_', ' ')} by [bold]{Markup.Escape(change.ActorPartnerId)}[/]: {Status(change.Partner.Status)}, scopes {string.Join(", ", change.Partner.Scopes)}, {Areas(change.Partner)}");
                AnsiConsole.MarkupLine($"    why: {Markup.Escape(change.Reason)}");
            }

            return 0;
        }, partner));
        return command;
    }

    private static Command Register(PartnerOptions partner)
    {
        var id = new Argument<string>("partner-id");
        var kind = new Option<string>("--kind") { Description = "steward, civil-registry, local-government, bank, ministry, auditor, disaster-responder or researcher", Required = true };
        var name = new Option<string>("--name") { Description = "Display name", Required = true };
        var areas = new Option<string>("--areas") { Description = "Region codes it serves, comma-separated (a local government must name one)", DefaultValueFactory = _ => string.Empty };
        var scopes = new Option<string>("--scopes") { Description = "Scopes it holds, comma-separated (registry.read, registry.write...)", DefaultValueFactory = _ => string.Empty };
        var certificates = new Option<FileInfo[]>("--certificate") { Description = "Its client certificate (PEM); repeat for more", Required = true, AllowMultipleArgumentsPerToken = true };
        var reason = new Option<string>("--reason") { Description = "Why (the agreement, the data request)", Required = true };
        var command = new Command("register", "Register a partner with its first certificates") { id, kind, name, areas, scopes, certificates, reason };
        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            var request = new RegisterPartnerRequest
            {
                PartnerId = result.GetValue(id)!,
                Kind = KindOf(result.GetValue(kind)!),
                DisplayName = result.GetValue(name)!,
                Areas = { Values(result.GetValue(areas)!) },
                Scopes = { Values(result.GetValue(scopes)!) },
                Reason = result.GetValue(reason)!,
            };
            foreach (var file in result.GetValue(certificates)!)
            {
                request.CertificatesPem.Add(await File.ReadAllTextAsync(file.FullName, cancellationToken));
            }

            using var channel = partner.Open(result);
            Print((await new PartnerAdminService.PartnerAdminServiceClient(channel).RegisterPartnerAsync(request, cancellationToken: cancellationToken)).Partner);
            return 0;
        }, partner));
        return command;
    }

    private static Command Change(
        PartnerOptions partner,
        string name,
        string description,
        Func<PartnerAdminService.PartnerAdminServiceClient, string, long, string, IReadOnlyList<string>, CancellationToken, Task<Partner>> change,
        bool valuesRequired = false)
    {
        var id = new Argument<string>("partner-id");
        var values = new Argument<string>("values") { Description = "What to set", Arity = valuesRequired ? ArgumentArity.ExactlyOne : ArgumentArity.ZeroOrOne };
        var reason = new Option<string>("--reason") { Description = "Why", Required = true };
        var expected = new Option<long?>("--expected-version") { Description = "The version of the record this change is based on (default: the version just read)" };
        var command = new Command(name, description) { id, reason, expected };
        if (valuesRequired)
        {
            command.Arguments.Add(values);
        }

        partner.AddTo(command);
        command.SetAction((result, cancellationToken) => Commands.Reported(async () =>
        {
            using var channel = partner.Open(result);
            var client = new PartnerAdminService.PartnerAdminServiceClient(channel);
            var partnerId = result.GetValue(id)!;
            var version = result.GetValue(expected)
                ?? (await client.GetPartnerAsync(new GetPartnerRequest { PartnerId = partnerId }, cancellationToken: cancellationToken)).Partner.Version;
            var given = valuesRequired ? result.GetValue(values) ?? string.Empty : string.Empty;
            // A PEM file's path is one value, commas and all.
            IReadOnlyList<string> parsed = name == "bind" ? [given] : Values(given);
            Print(await change(client, partnerId, version, result.GetValue(reason)!, parsed, cancellationToken));
            return 0;
        }, partner));
        return command;
    }

    private static void Print(Partner partner)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(partner.PartnerId)}[/] ({Kind(partner.Kind)}): {Markup.Escape(partner.DisplayName)}");
        AnsiConsole.MarkupLine($"{Status(partner.Status)}, version {partner.Version}, registered {partner.RegisteredAt.ToDateTimeOffset():u}, changed {partner.ChangedAt.ToDateTimeOffset():u}");
        AnsiConsole.MarkupLine($"Serves {Areas(partner)}; scopes: {(partner.Scopes.Count == 0 ? "none" : string.Join(", ", partner.Scopes))}");
        foreach (var certificate in partner.Certificates)
        {
            AnsiConsole.MarkupLine($"Certificate {certificate.Sha256Thumbprint} ({Markup.Escape(certificate.Subject)}, serial {certificate.SerialNumber}, until {certificate.NotAfter.ToDateTimeOffset():u})");
        }
    }

    private static string Areas(Partner partner) => partner.Areas.Count == 0 ? "the whole country" : "areas " + string.Join(", ", partner.Areas);

    private static string Kind(PartnerKind kind) => kind.ToString() switch
    {
        "CivilRegistry" => "civil-registry",
        "LocalGovernment" => "local-government",
        "DisasterResponder" => "disaster-responder",
        var other => other.ToLowerInvariant(),
    };

    private static PartnerKind KindOf(string token) =>
        Enum.GetValues<PartnerKind>().FirstOrDefault(kind => kind != PartnerKind.Unspecified && Kind(kind) == token) is var kind && kind != PartnerKind.Unspecified
            ? kind
            : throw new ArgumentException($"Unknown partner kind {token}: use steward, civil-registry, local-government, bank, ministry, auditor, disaster-responder or researcher.");

    private static string Status(PartnerStatus status) => status == PartnerStatus.Suspended ? "SUSPENDED" : "active";

    private static IReadOnlyList<string> Values(string commaSeparated) =>
        commaSeparated.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string Single(IReadOnlyList<string> values, string what) =>
        values.Count == 1 ? values[0] : throw new ArgumentException($"Give {what}, once.");
}
