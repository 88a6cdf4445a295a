using System.Globalization;
using Interop.Hub.Storage;
using Marten;

namespace Interop.Hub.Disbursements.Confirmations;

/// <summary>Where a bank's feed was read up to: an instruction's position, and within a released batch the last line sent (0 for none).</summary>
internal readonly record struct FeedCheckpoint(long Position, long Line)
{
    public static FeedCheckpoint Start { get; } = new(0, 0);

    /// <summary>"12.500"; null for a text that is not one.</summary>
    public static FeedCheckpoint? Parse(string text)
    {
        if (text.Length == 0)
        {
            return Start;
        }

        var parts = text.Split('.');
        return parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var position)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var line)
                ? new FeedCheckpoint(position, line)
                : null;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Position}.{Line}");
}

/// <summary>One message of a bank's feed: a line to pay, or a notice about a line, with the checkpoint after it.</summary>
internal abstract record FeedItem(FeedCheckpoint Checkpoint)
{
    public sealed record Pay(FeedCheckpoint Checkpoint, LineToPay Line) : FeedItem(Checkpoint);

    public sealed record Notice(FeedCheckpoint Checkpoint, string Kind, Guid BatchId, long LineNumber, string EndToEndId, string Reason) : FeedItem(Checkpoint);
}

/// <summary>
/// A bank's feed (<see cref="BankInstructions"/>) as it reads it: the lines of each batch released to
/// it, a page at a time, and the notices about its lines, resumable from any checkpoint it was sent.
/// Only ever this bank's lines.
/// </summary>
internal sealed class BankFeed(IDocumentStore store)
{
    private const int InstructionPage = 100;
    private const int LinePage = 1_000;

    public async IAsyncEnumerable<FeedItem> AfterAsync(string bank, FeedCheckpoint after, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        // A checkpoint within a released batch resumes that batch after its line.
        var from = after.Line > 0 ? after.Position - 1 : after.Position;
        while (true)
        {
            var instructions = await BankInstructions.AfterAsync(session, bank, from, InstructionPage, cancellationToken);
            foreach (var instruction in instructions)
            {
                if (instruction.Kind == BankInstructions.Released)
                {
                    var line = instruction.Position == after.Position ? after.Line : 0;
                    while (true)
                    {
                        var lines = await BankInstructions.LinesAsync(session, bank, instruction.BatchId, line, LinePage, cancellationToken);
                        foreach (var pay in lines)
                        {
                            yield return new FeedItem.Pay(new FeedCheckpoint(instruction.Position, pay.LineNumber), pay);
                        }

                        if (lines.Count < LinePage)
                        {
                            break;
                        }

                        line = lines[^1].LineNumber;
                    }
                }
                else if (instruction.Position > after.Position)
                {
                    var endToEndId = await BankInstructions.EndToEndIdAsync(session, instruction.BatchId, instruction.LineNumber, cancellationToken) ?? string.Empty;
                    yield return new FeedItem.Notice(new FeedCheckpoint(instruction.Position, 0), instruction.Kind, instruction.BatchId, instruction.LineNumber, endToEndId, instruction.Reason ?? string.Empty);
                }
            }

            if (instructions.Count < InstructionPage)
            {
                yield break;
            }

            from = instructions[^1].Position;
        }
    }
}
