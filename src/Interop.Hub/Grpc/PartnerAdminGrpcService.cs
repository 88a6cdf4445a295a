using Grpc.Core;
using Interop.Hub.Grpc.Mapping;
using Interop.Hub.Partners;
using Interop.Hub.Partners.Directory;
using Microsoft.AspNetCore.Authorization;
using P1 = Interop.Contracts.Partners.V1;

namespace Interop.Hub.Grpc;

/// <summary>interop.partners.v1.PartnerAdminService: the partner directory, for the steward (scope partners.admin).</summary>
internal sealed class PartnerAdminGrpcService(PartnerAdministration administration, PartnerReads reads) : P1.PartnerAdminService.PartnerAdminServiceBase
{
    [Authorize(Policy = PartnerAccess.AdministerPartners)]
    [ReadsNoPersonalData]
    public override async Task<P1.RegisterPartnerResponse> RegisterPartner(P1.RegisterPartnerRequest request, ServerCallContext context) =>
        new() { Partner = await RegisterAsync(PartnerMapping.ToCommand(request, context.Partner(), Thumbprint(context)), context) };

    [Authorize(Policy = PartnerAccess.AdministerPartners)]
    [ReadsNoPersonalData]
    public override async Task<P1.ChangePartnerScopesResponse> ChangePartnerScopes(P1.ChangePartnerScopesRequest request, ServerCallContext context) =>
        new() { Partner = await ChangeAsync(new PartnerRecordChange.ChangeScopes(request.PartnerId, request.ExpectedVersion, [.. request.Scopes], request.Reason, context.Partner().Actor, Thumbprint(context)), context) };

    [Authorize(Policy = PartnerAccess.AdministerPartners)]
    [ReadsNoPersonalData]
    public override async Task<P1.ChangePartnerAreasResponse> ChangePartnerAreas(P1.ChangePartnerAreasRequest request, ServerCallContext context) =>
        new() { Partner = await ChangeAsync(new PartnerRecordChange.ChangeAreas(request.PartnerId, request.ExpectedVersion, [.. request.Areas], request.Reason, context.Partner().Actor, Thumbprint(context)), context) };

    [Authorize(Policy = PartnerAccess.AdministerPartners)]
    [ReadsNoPersonalData]
    public override async Task<P1.BindPartnerCertificateResponse> BindPartnerCertificate(P1.BindPartnerCertificateRequest request, ServerCallContext context) =>
        new() { Partner = await ChangeAsync(new PartnerRecordChange.BindCertificate(request.PartnerId, request.ExpectedVersion, request.CertificatePem, request.Reason, context.Partner().Actor, Thumbprint(context)), context) };

    [Authorize(Policy = PartnerAccess.AdministerPartners)]
    [ReadsNoPersonalData]
    public override async Task<P1.UnbindPartnerCertificateResponse> UnbindPartnerCertificate(P1.UnbindPartnerCertificateRequest request, ServerCallContext context) =>
        new() { Partner = await ChangeAsync(new PartnerRecordChange.UnbindCertificate(request.PartnerId, request.ExpectedVersion, request.Sha256Thumbprint, request.Reason, context.Partner().Actor, Thumbprint(context)), context) };

    [Authorize(Policy = PartnerAccess.AdministerPartners)]
    [ReadsNoPersonalData]
    public override async Task<P1.SuspendPartnerResponse> SuspendPartner(P1.SuspendPartnerRequest request, ServerCallContext context) =>
        new() { Partner = await ChangeAsync(new PartnerRecordChange.Suspend(request.PartnerId, request.ExpectedVersion, request.Reason, context.Partner().Actor, Thumbprint(context)), context) };

    [Authorize(Policy = PartnerAccess.AdministerPartners)]
    [ReadsNoPersonalData]
    public override async Task<P1.ReinstatePartnerResponse> ReinstatePartner(P1.ReinstatePartnerRequest request, ServerCallContext context) =>
        new() { Partner = await ChangeAsync(new PartnerRecordChange.Reinstate(request.PartnerId, request.ExpectedVersion, request.Reason, context.Partner().Actor, Thumbprint(context)), context) };

    [Authorize(Policy = PartnerAccess.AdministerPartners)]
    [ReadsNoPersonalData]
    public override async Task<P1.GetPartnerResponse> GetPartner(P1.GetPartnerRequest request, ServerCallContext context) =>
        await reads.OneAsync(request.PartnerId, context.CancellationToken) is { } partner
            ? new P1.GetPartnerResponse { Partner = PartnerMapping.ToProto(partner) }
            : throw PartnerMapping.NoPartner(request.PartnerId).ToRpcException();

    [Authorize(Policy = PartnerAccess.AdministerPartners)]
    [ReadsNoPersonalData]
    public override async Task<P1.ListPartnersResponse> ListPartners(P1.ListPartnersRequest request, ServerCallContext context) =>
        new() { Partners = { (await reads.AllAsync(context.CancellationToken)).Select(PartnerMapping.ToProto) } };

    [Authorize(Policy = PartnerAccess.AdministerPartners)]
    [ReadsNoPersonalData]
    public override async Task<P1.GetPartnerHistoryResponse> GetPartnerHistory(P1.GetPartnerHistoryRequest request, ServerCallContext context)
    {
        var history = await reads.HistoryAsync(request.PartnerId, context.CancellationToken);
        return history.Count == 0
            ? throw PartnerMapping.NoPartner(request.PartnerId).ToRpcException()
            : new P1.GetPartnerHistoryResponse { Changes = { history.Select(step => PartnerMapping.ToProto(step.Change, step.After)) } };
    }

    private async Task<P1.Partner> RegisterAsync(RegisterPartner command, ServerCallContext context) =>
        PartnerMapping.ToProto(PartnerMapping.StoredOrRefusal(await administration.RegisterAsync(command, context.CancellationToken), command.PartnerId));

    private async Task<P1.Partner> ChangeAsync(PartnerRecordChange command, ServerCallContext context) =>
        PartnerMapping.ToProto(PartnerMapping.StoredOrRefusal(await administration.ChangeAsync(command, context.CancellationToken), command.PartnerId));

    private static string? Thumbprint(ServerCallContext context) =>
        context.GetHttpContext().Connection.ClientCertificate is { } certificate ? PartnerCertificates.Thumbprint(certificate) : null;
}
