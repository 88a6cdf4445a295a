namespace Interop.Hub.Grpc;

/// <summary>
/// The method answers with personal data (a person's record, its history, identity numbers): a
/// call needs a purpose its partner may use, its answer is shown through that purpose's view, and
/// the read is written to the access log before the answer leaves. Every RPC says either this or
/// <see cref="ReadsNoPersonalDataAttribute"/>; a test fails for one that says neither.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ReadsPersonalDataAttribute : Attribute;

/// <summary>The method answers with no personal data (ids, outcomes, partners' own records): no purpose is asked.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ReadsNoPersonalDataAttribute : Attribute;

/// <summary>
/// A unary call that does bulk work in one transaction (a batch of a million lines issued or sealed):
/// bounded by <see cref="HubOptions.BulkCallSeconds"/> instead of <see cref="HubOptions.UnaryCallSeconds"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class BulkCallAttribute : Attribute;
