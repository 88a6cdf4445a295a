using System.CommandLine;
using Interop.Cli;

if (Console.IsOutputRedirected)
{
    // Piped into a file or another program: one record per line, never wrapped at 80 columns.
    Spectre.Console.AnsiConsole.Profile.Width = 1000;
}

var partner = new PartnerOptions();
var root = new RootCommand("interop: the Interop Hub's command for partners, operators and auditors");
root.Subcommands.Add(Commands.Generate());
root.Subcommands.Add(Commands.Submit(partner));
root.Subcommands.Add(Commands.Show(partner));
root.Subcommands.Add(Commands.History(partner));
root.Subcommands.Add(Commands.Follow(partner));
root.Subcommands.Add(Commands.Bench(partner));
root.Subcommands.Add(PartnerCommands.Partners(partner));
root.Subcommands.Add(AccessLogCommands.AccessLog(partner));
root.Subcommands.Add(AuditCommands.Audit(partner));
root.Subcommands.Add(DisbursementCommands.Disbursements(partner));
return await root.Parse(args).InvokeAsync();
