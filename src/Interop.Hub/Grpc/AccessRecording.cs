using Google.Protobuf;
using Interop.Hub.Audit.AccessLog;
using Interop.Hub.Partners;
using Interop.Hub.Partners.Privacy;
using Microsoft.AspNetCore.Http.Features;

namespace Interop.Hub.Grpc;

/// <summary>
/// The outermost middleware: every gRPC call that ends refused (any status but OK and CANCELLED) or
/// that the hub aborted (a certificate revoked, a partner's record changed, during the call),
/// wherever it was refused (the token guard, the access gate, the authorization policies, fair use,
/// a purpose, a service), and every refused request to the token endpoint, is appended to the access
/// log with who called (the partner its certificate names, the certificate's thumbprint, the
/// officer), the purpose it named, the households its request named, and the status and message it
/// got. Messages never hold personal data (a rule of every refusal), so they are kept.
/// </summary>
internal sealed class AccessRecording(AccessLog log, TimeProvider clock, string tokenPath)
{
    private const string NotedKey = "interop:noted-households";

    private const int MaxMethod = 200;

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var note = new CallNote();
        http.Features.Set(note);
        try
        {
            await next(http);
        }
        finally
        {
            Record(http, note);
        }
    }

    private void Record(HttpContext http, CallNote note)
    {
        // The gRPC method routed to (whatever the content type's spelling); a path no method has is named as such, never quoted.
        var grpcMethod = http.GetEndpoint()?.Metadata.GetMetadata<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>()?.Method.FullName;
        var isGrpc = grpcMethod is not null || http.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
        var method = grpcMethod ?? "(no such method)";
        string outcome;
        string? detail;
        if (note.AbortReason is { } aborted)
        {
            outcome = "ABORTED_BY_HUB";
            detail = aborted;
        }
        else if (isGrpc)
        {
            var status = Value(http, "grpc-status");
            if (status is null or "0" or "1")
            {
                return;
            }

            outcome = int.TryParse(status, out var code) && Enum.IsDefined((Google.Rpc.Code)code) ? Name((Google.Rpc.Code)code) : $"STATUS_{status}";
            detail = Value(http, "grpc-message") is { } message ? Uri.UnescapeDataString(message) : null;
        }
        else if (string.Equals(http.Request.Path.Value?.Trim('/'), tokenPath, StringComparison.OrdinalIgnoreCase) && http.Response.StatusCode >= 400)
        {
            method = $"/{tokenPath}";
            outcome = $"HTTP_{http.Response.StatusCode}";
            detail = "token request refused";
        }
        else
        {
            return;
        }

        var user = http.User;
        var partnerId = PartnerAccess.PartnerIdOf(user)
            ?? PartnerAccess.NamedBy(user)?.PartnerId
            ?? (http.Connection.ClientCertificate is { } certificate ? PartnerIdentity.FromCertificate(certificate)?.PartnerId : null);
        var purpose = CallMetadata.PurposeOf(http) is { } named ? Purposes.Find(named)?.Code ?? "(not a purpose of the hub)" : null;
        var households = http.Items[NotedKey] is HashSet<string> noted
            ? [.. noted.Select(id => Guid.TryParse(id, out var household) ? household : (Guid?)null).OfType<Guid>()]
            : new List<Guid>();
        log.Enqueue(new AccessEntry(
            AccessEntryKind.Refusal,
            clock.GetUtcNow(),
            method.Length > MaxMethod ? method[..MaxMethod] : method,
            partnerId,
            ThumbprintOf(http),
            PartnerAccess.OfficerOf(user) ?? CallMetadata.OfficerOf(http).OfficerId,
            purpose,
            households,
            [],
            outcome,
            detail));
    }

    /// <summary>What the log needs to know of a call that another thread may tell (the access gate aborting it).</summary>
    internal sealed class CallNote
    {
        private volatile string? abortReason;

        public string? AbortReason => abortReason;

        public void Aborted(string reason) => abortReason = reason;
    }

    /// <summary>Notes the households a request names, for the entry of its refusal.</summary>
    public static void NoteHouseholds(HttpContext http, IMessage request)
    {
        var noted = new HashSet<string>(StringComparer.Ordinal);
        ProtoView.Apply(request, DataView.Everything, noted);
        if (noted.Count > 0)
        {
            http.Items[NotedKey] = noted;
        }
    }

    public static string? ThumbprintOf(HttpContext http) =>
        http.Connection.ClientCertificate is { } certificate ? PartnerCertificates.Thumbprint(certificate) : null;

    /// <summary>A header of a trailers-only answer, or a trailer.</summary>
    private static string? Value(HttpContext http, string key) =>
        http.Response.Headers.TryGetValue(key, out var header) && header.Count > 0
            ? header[0]
            : http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { } trailers && trailers.TryGetValue(key, out var trailer) && trailer.Count > 0 ? trailer[0] : null;

    /// <summary>PERMISSION_DENIED, as gRPC names its codes.</summary>
    private static string Name(Google.Rpc.Code code) =>
        string.Concat(code.ToString().Select((character, index) => index > 0 && char.IsUpper(character) ? $"_{character}" : $"{character}")).ToUpperInvariant();
}
