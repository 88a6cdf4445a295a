using Google.Protobuf;

namespace Interop.Hub.Grpc;

/// <summary>
/// A gRPC refusal written by middleware before any service runs (fair use, a revoked certificate):
/// a trailers-only answer with the status, its message and its <c>google.rpc.Status</c> details,
/// which the partner's gRPC library reads as any other status; never a bare HTTP error.
/// </summary>
internal static class EarlyRefusal
{
    public static async ValueTask WriteAsync(HttpContext http, Google.Rpc.Status status)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/grpc";
        http.Response.Headers["grpc-status"] = status.Code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["grpc-message"] = Uri.EscapeDataString(status.Message);
        http.Response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray());
        await http.Response.CompleteAsync();
    }
}
