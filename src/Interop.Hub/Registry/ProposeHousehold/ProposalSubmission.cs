using System.Runtime.CompilerServices;
using Interop.Hub.Streaming;
using Interop.ReferenceData;

namespace Interop.Hub.Registry.ProposeHousehold;

/// <summary>A proposal as read from a partner's stream, with a hash of exactly what was sent.</summary>
/// <param name="ContentHash">Tells a resend of the same household from a different one under the same reference.</param>
internal sealed record ReceivedProposal(ProposeHouseholdCommand Command, string ContentHash);

/// <summary>What the hub answers for one proposal, in the order the proposals were sent.</summary>
/// <param name="PartnerReference">The partner's reference, cut to its limit (<see cref="FreeText.Echo"/>).</param>
/// <param name="Outcome">How storing went; null when the proposal was refused before storing.</param>
internal sealed record ProposalAnswer(long Position, string PartnerReference, ProposalDecision Decision, ProposalOutcome? Outcome);

/// <summary>
/// The submission of a stream of households: each is decided as it is read, accepted ones are
/// stored a batch at a time (<see cref="BatchedStream"/>), and every one is answered in order.
/// </summary>
internal sealed class ProposalSubmission(HouseholdProposals proposals, RegionTable regions, TimeProvider clock)
{
    public static readonly BatchLimits Limits = new(BatchSize: 500, CommitsInFlight: 2);

    public Task SubmitAsync(IAsyncEnumerable<Held<ReceivedProposal>> received, Func<IReadOnlyList<ProposalAnswer>, Task> answer, CancellationToken cancellationToken) =>
        BatchedStream.ProcessAsync(Decided(received), Limits, StoreAsync, (batch, outcomes) => answer(Answers(batch, outcomes)), cancellationToken);

    private async IAsyncEnumerable<Held<DecidedProposal>> Decided(IAsyncEnumerable<Held<ReceivedProposal>> received, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long position = 0;
        await foreach (var (proposal, bytes) in received.WithCancellation(cancellationToken))
        {
            var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
            var decision = ProposalRules.Decide(proposal.Command, regions, today);
            var reference = FreeText.Echo(proposal.Command.PartnerReference, ProposalRules.MaxPartnerReferenceLength);
            // What is kept until answered: an accepted household (its fields within their limits), or
            // only the refusal's field paths.
            var kept = decision switch
            {
                ProposalDecision.Refused refused => 2048 + (256L * refused.Violations.Count),
                ProposalDecision.Forbidden => 2048,
                _ => bytes,
            };
            yield return new(new DecidedProposal(position++, proposal.Command.Actor.PartnerId, reference, proposal.ContentHash, decision), kept);
        }
    }

    private Task<IReadOnlyList<ProposalOutcome>> StoreAsync(IReadOnlyList<DecidedProposal> batch)
    {
        var accepted = batch
            .Where(item => item.Decision is ProposalDecision.Accepted)
            .Select(item => new ProposalToStore(item.PartnerId, item.PartnerReference, item.ContentHash, ((ProposalDecision.Accepted)item.Decision).Event))
            .ToList();
        // Not cancelled with the call: a household that was read is stored even if its caller has gone.
        return proposals.StoreAsync(accepted, CancellationToken.None);
    }

    private static List<ProposalAnswer> Answers(IReadOnlyList<DecidedProposal> batch, IReadOnlyList<ProposalOutcome> outcomes)
    {
        var stored = 0;
        return batch
            .Select(item => new ProposalAnswer(item.Position, item.PartnerReference, item.Decision, item.Decision is ProposalDecision.Accepted ? outcomes[stored++] : null))
            .ToList();
    }

    private sealed record DecidedProposal(long Position, string PartnerId, string PartnerReference, string ContentHash, ProposalDecision Decision);
}
