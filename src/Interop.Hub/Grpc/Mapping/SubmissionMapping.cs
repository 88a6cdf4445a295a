using Interop.Hub.Registry.ProposeHousehold;
using V1 = Interop.Contracts.Registry.V1;

namespace Interop.Hub.Grpc.Mapping;

/// <summary>What a submission stream answers for each household.</summary>
internal static class SubmissionMapping
{
    public static V1.SubmitHouseholdsResponse ToProto(ProposalAnswer answer)
    {
        var response = new V1.SubmitHouseholdsResponse { Position = answer.Position, PartnerReference = answer.PartnerReference };
        switch (answer.Decision, answer.Outcome)
        {
            case (ProposalDecision.Accepted, ProposalOutcome.Stored stored):
                response.Accepted = Accepted(stored.HouseholdId, stored.Version, stored.ConflictCaseId);
                break;
            case (ProposalDecision.Accepted, ProposalOutcome.Replayed replayed):
                response.Accepted = Accepted(replayed.HouseholdId, replayed.Version, replayed.ConflictCaseId);
                break;
            case (ProposalDecision.Accepted, ProposalOutcome.ReferenceTaken taken):
                response.Refused = Refusals.ReferenceTaken(taken.HouseholdId, "partner_reference");
                break;
            case (ProposalDecision.Refused refused, _):
                response.Refused = Refusals.InvalidArgument($"Household refused: {refused.Violations.Count} invalid field(s); nothing was stored.", refused.Violations);
                break;
            case (ProposalDecision.Forbidden forbidden, _):
                response.Refused = Refusals.OutsideJurisdiction(forbidden.Reason);
                break;
            default:
                throw new InvalidOperationException("Unknown proposal outcome.");
        }

        response.Warnings.Add(answer.Decision.Warnings.Select(ToWarning));
        return response;
    }

    private static V1.HouseholdAccepted Accepted(Guid householdId, long version, Guid? conflictCaseId) =>
        new() { HouseholdId = householdId.ToString(), Version = version, ConflictCaseId = conflictCaseId?.ToString() ?? string.Empty };

    private static V1.FieldWarning ToWarning(FieldIssue issue) => new() { Field = issue.Field, Description = issue.Description };
}
