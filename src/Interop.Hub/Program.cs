using Interop.Hub;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

if (args is ["migrate", ..])
{
    try
    {
        return await HubHost.MigrateOnlyAsync(args[1..]);
    }
    catch (HubConfigurationException exception)
    {
        await Console.Error.WriteLineAsync($"Interop Hub cannot migrate: {exception.Message}");
        return 2;
    }
}

if (args is ["seed-payable", ..])
{
    try
    {
        return await HubHost.SeedPayableAsync(args[1..]);
    }
    catch (HubConfigurationException exception)
    {
        await Console.Error.WriteLineAsync($"Interop Hub cannot seed: {exception.Message}");
        return 2;
    }
}

WebApplication app;
try
{
    app = await HubHost.BuildAsync(args);
}
catch (Exception exception) when (exception is HubConfigurationException or InvalidOperationException { Source: "Interop.Hub" })
{
    // A setting or the embedded database's folder is wrong: say so plainly, without a stack trace.
    await Console.Error.WriteLineAsync($"Interop Hub cannot start: {exception.Message}");
    return 2;
}

await using var hub = app;
try
{
    await app.StartAsync();
}
catch (HubConfigurationException exception)
{
    // The partner seed is wrong: the same plain refusal.
    await Console.Error.WriteLineAsync($"Interop Hub cannot start: {exception.Message}");
    return 2;
}

var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
app.Logger.LogInformation("Interop Hub listening on {Addresses} (gRPC over mutual TLS); Ctrl+C stops it", string.Join(", ", addresses));
await app.WaitForShutdownAsync();
return 0;
