namespace Interop.Hub.Audit.Log;

/// <summary>
/// Which stored rows the log may take, in its order, without ever having to take an earlier one
/// later: the log is append-only, so a row whose sequence value is below one already logged could
/// never join it. Rows are drawn from a sequence inside transactions that commit in any order; a
/// row is final once no lower value can still appear: either every value between the last logged
/// row and it is visible (no gap), or it lies at or below <paramref name="settledUpTo"/>, the highest
/// value visible in a snapshot after which every transaction open then has ended and is seen ended
/// (anything starting later draws higher values; <see cref="Storage.AuditLogStore.SnapshotAsync"/>).
/// Pure: the sequencer reads, this decides.
/// </summary>
internal static class Finality
{
    /// <summary>How many of <paramref name="rowsInOrder"/> (a source's visible rows after <paramref name="lastLogged"/>, by sequence) are final.</summary>
    public static int FinalPrefix(IReadOnlyList<long> rowsInOrder, long lastLogged, long settledUpTo)
    {
        var previous = lastLogged;
        var taken = 0;
        foreach (var row in rowsInOrder)
        {
            if (row <= previous)
            {
                throw new ArgumentException("Rows must be after the last logged one, in increasing order.", nameof(rowsInOrder));
            }

            if (row > settledUpTo && row != previous + 1)
            {
                break;
            }

            previous = row;
            taken++;
        }

        return taken;
    }
}
