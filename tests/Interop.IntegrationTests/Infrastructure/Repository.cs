namespace Interop.IntegrationTests.Infrastructure;

/// <summary>Where the repository and the other projects' build outputs are, seen from the test binaries.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The `interop` CLI as built for the same configuration as the tests, run from its own folder.</summary>
    public static string CliAssembly => BuiltAssembly("Interop.Cli", "interop.dll");

    /// <summary>The hub as built for the same configuration as the tests, to run as a process of its own.</summary>
    public static string HubAssembly => BuiltAssembly("Interop.Hub", "Interop.Hub.dll");

    private static string BuiltAssembly(string project, string file)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        return Path.Combine(Root, "src", project, "bin", configuration, framework, file);
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Interop.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Interop.sln not found above the test binaries.");
    }
}
