using Interop.Hub;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

await using var app = await HubHost.BuildAsync(args);
await app.StartAsync();
var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
app.Logger.LogInformation("Interop Hub listening on {Addresses} (gRPC over mutual TLS); Ctrl+C stops it", string.Join(", ", addresses));
await app.WaitForShutdownAsync();
