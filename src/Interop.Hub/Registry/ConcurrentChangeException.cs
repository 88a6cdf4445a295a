namespace Interop.Hub.Registry;

/// <summary>A write lost a race with another write to the same data; the caller may retry it (gRPC ABORTED).</summary>
internal sealed class ConcurrentChangeException(string message, Exception? innerException = null) : Exception(message, innerException);
