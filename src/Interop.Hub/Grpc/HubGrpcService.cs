using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Interop.Hub.Partners;
using Microsoft.AspNetCore.Authorization;
using V1 = Interop.Contracts.Hub.V1;

namespace Interop.Hub.Grpc;

/// <summary>interop.hub.v1.HubService: about the hub and the caller's connection.</summary>
internal sealed class HubGrpcService(TimeProvider clock) : V1.HubService.HubServiceBase
{
    private static readonly string Version = typeof(HubGrpcService).Assembly.GetName().Version?.ToString() ?? "unknown";

    [Authorize(Policy = PartnerAccess.AnyPartner)]
    [ReadsNoPersonalData]
    public override Task<V1.GetPartnerIdentityResponse> GetPartnerIdentity(V1.GetPartnerIdentityRequest request, ServerCallContext context)
    {
        var partner = context.Partner();
        return Task.FromResult(new V1.GetPartnerIdentityResponse
        {
            PartnerId = partner.PartnerId,
            PartnerKind = PartnerIdentity.KindToken(partner.Kind),
            AreaCode = partner.Areas.Count == 1 ? partner.Areas[0] : string.Empty,
            HubVersion = Version,
            ServerTime = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
        });
    }
}
