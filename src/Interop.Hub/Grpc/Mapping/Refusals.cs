using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.Hub.Registry.Search;

namespace Interop.Hub.Grpc.Mapping;

/// <summary>Every refusal as a google.rpc.Status with the detail a partner's code can act on.</summary>
internal static class Refusals
{
    /// <summary>INVALID_ARGUMENT with a google.rpc.BadRequest naming each bad field.</summary>
    public static Google.Rpc.Status InvalidArgument(string message, IEnumerable<FieldIssue> violations)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(violations.Select(issue => new BadRequest.Types.FieldViolation { Field = issue.Field, Description = issue.Description }));
        return new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = message,
            Details = { Any.Pack(badRequest) },
        };
    }

    /// <summary>ALREADY_EXISTS: the key (a partner reference or idempotency key) was used before for other content, on the household given.</summary>
    public static Google.Rpc.Status ReferenceTaken(Guid householdId, string keyField) => KeyTaken(HouseholdType, householdId, keyField, "household");

    /// <summary>ALREADY_EXISTS: the idempotency key was used before for another resolution, of the case given.</summary>
    public static Google.Rpc.Status CaseKeyTaken(Guid caseId) => KeyTaken(ConflictCaseType, caseId, "idempotency_key", "conflict case");

    /// <summary>NOT_FOUND: no resource of that type has the id sent in the field.</summary>
    public static Google.Rpc.Status NotFound(string resourceType, string field, string message) =>
        new()
        {
            Code = (int)Code.NotFound,
            Message = message,
            Details = { Any.Pack(new ResourceInfo { ResourceType = resourceType, Description = $"the id sent in {field}" }) },
        };

    /// <summary>NOT_FOUND: no household has the id sent in the field.</summary>
    public static Google.Rpc.Status NoHousehold(string field = "household_id", string message = "No household has that id.") =>
        NotFound(HouseholdType, field, message);

    /// <summary>ABORTED: what the caller based its request on changed meanwhile; it reads again and decides again.</summary>
    public static Google.Rpc.Status Stale(string message, Guid subject) => Stale(message, subject.ToString());

    /// <summary>ABORTED, for a subject named otherwise than by a hub id (a partner id).</summary>
    public static Google.Rpc.Status Stale(string message, string subject) =>
        new()
        {
            Code = (int)Code.Aborted,
            Message = message,
            Details = { Any.Pack(new ErrorInfo { Reason = "STALE_VERSION", Domain = Domain, Metadata = { ["subject"] = subject } }) },
        };

    /// <summary>OUT_OF_RANGE: the field names a position beyond what exists.</summary>
    public static Google.Rpc.Status OutOfRange(string message, string field, string description)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        return new Google.Rpc.Status { Code = (int)Code.OutOfRange, Message = message, Details = { Any.Pack(badRequest) } };
    }

    /// <summary>PERMISSION_DENIED: this kind of partner may not do what it asked.</summary>
    public static Google.Rpc.Status PermissionDenied(string message) =>
        new()
        {
            Code = (int)Code.PermissionDenied,
            Message = message,
            Details = { Any.Pack(new ErrorInfo { Reason = "PARTNER_KIND_NOT_ALLOWED", Domain = Domain }) },
        };

    /// <summary>A page of a search, or INVALID_ARGUMENT naming each filter it refused.</summary>
    public static SearchOutcome.Page PageOrRefusal(SearchOutcome outcome) => outcome switch
    {
        SearchOutcome.Invalid invalid => throw InvalidArgument("Search refused.", invalid.Violations).ToRpcException(),
        SearchOutcome.OutsideReach outside => throw OutsideJurisdiction(outside.Reason).ToRpcException(),
        SearchOutcome.OutsideView outside => throw OutsideView(outside.Field, outside.Reason).ToRpcException(),
        _ => (SearchOutcome.Page)outcome,
    };

    /// <summary>PERMISSION_DENIED: what was asked lies outside the area the partner serves.</summary>
    public static Google.Rpc.Status OutsideJurisdiction(string message) =>
        new()
        {
            Code = (int)Code.PermissionDenied,
            Message = message,
            Details = { Any.Pack(new ErrorInfo { Reason = "OUTSIDE_JURISDICTION", Domain = Domain }) },
        };

    /// <summary>UNAVAILABLE: nothing wrong with the call; the hub cannot serve it now (it is stopping).</summary>
    public static Google.Rpc.Status Unavailable(string message) => new() { Code = (int)Code.Unavailable, Message = message };

    /// <summary>PERMISSION_DENIED: the request asks for, or searches by, what the call's view does not show.</summary>
    public static Google.Rpc.Status OutsideView(string field, string message) =>
        new()
        {
            Code = (int)Code.PermissionDenied,
            Message = message,
            Details = { Any.Pack(new ErrorInfo { Reason = "OUTSIDE_VIEW", Domain = Domain, Metadata = { ["field"] = field } }) },
        };

    /// <summary>The purpose a call named (or did not) is refused: PERMISSION_DENIED naming the purposes the partner may use; INVALID_ARGUMENT for a code no purpose has.</summary>
    public static Google.Rpc.Status PurposeRefused(Partners.Privacy.PurposeDecision decision, string method)
    {
        static string List(IReadOnlyList<string> allowed) => allowed.Count == 0 ? "none (this partner reads no personal data)" : string.Join(", ", allowed);
        return decision switch
        {
            Partners.Privacy.PurposeDecision.Unknown unknown => InvalidArgument(
                "The call's purpose is refused.",
                [new FieldIssue(Partners.Privacy.Purposes.MetadataKey, $"names no purpose of the hub; this partner may use: {List(unknown.Allowed)}")]),
            Partners.Privacy.PurposeDecision.NotAllowed notAllowed => new()
            {
                Code = (int)Code.PermissionDenied,
                Message = $"{method} reads personal data, and {notAllowed.Reason}; this partner may use: {List(notAllowed.Allowed)}.",
                Details = { Any.Pack(new ErrorInfo { Reason = "PURPOSE_NOT_ALLOWED", Domain = Domain, Metadata = { ["purpose"] = notAllowed.Code } }) },
            },
            Partners.Privacy.PurposeDecision.Missing missing => new()
            {
                Code = (int)Code.PermissionDenied,
                Message = $"{method} reads personal data: name the purpose of the call in metadata {Partners.Privacy.Purposes.MetadataKey}; this partner may use: {List(missing.Allowed)}.",
                Details = { Any.Pack(new ErrorInfo { Reason = "PURPOSE_REQUIRED", Domain = Domain }) },
            },
            _ => throw new ArgumentOutOfRangeException(nameof(decision)),
        };
    }

    public const string HouseholdType = "interop.registry.v1.Household";

    public const string ConflictCaseType = "interop.registry.v1.ConflictCase";

    private const string Domain = "interop.hub";

    private static Google.Rpc.Status KeyTaken(string resourceType, Guid id, string keyField, string what) =>
        new()
        {
            Code = (int)Code.AlreadyExists,
            Message = $"{keyField} was already used for different content, on {what} {id}; nothing was stored.",
            Details =
            {
                Any.Pack(new ResourceInfo
                {
                    ResourceType = resourceType,
                    ResourceName = id.ToString(),
                    Description = $"the {what} of the original request under this {keyField}",
                }),
            },
        };

    /// <summary>FAILED_PRECONDITION: the household's state does not allow the change.</summary>
    public static Google.Rpc.Status FailedPrecondition(Guid householdId, string reason) => FailedPrecondition("HOUSEHOLD_STATE", householdId.ToString(), reason);

    /// <summary>FAILED_PRECONDITION: the state of the subject (of the type given) does not allow the change.</summary>
    public static Google.Rpc.Status FailedPrecondition(string type, string subject, string reason)
    {
        var failure = new PreconditionFailure();
        failure.Violations.Add(new PreconditionFailure.Types.Violation { Type = type, Subject = subject, Description = reason });
        return new Google.Rpc.Status { Code = (int)Code.FailedPrecondition, Message = reason, Details = { Any.Pack(failure) } };
    }

    /// <summary>ALREADY_EXISTS: what the field names is taken (a partner id, a bound certificate).</summary>
    public static Google.Rpc.Status AlreadyExists(string resourceType, string field, string message) =>
        new()
        {
            Code = (int)Code.AlreadyExists,
            Message = message,
            Details = { Any.Pack(new ResourceInfo { ResourceType = resourceType, Description = $"what {field} names" }) },
        };
}
