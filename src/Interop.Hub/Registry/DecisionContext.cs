namespace Interop.Hub.Registry;

/// <summary>
/// What a pure decision may not make up itself: the moment it is taken and the ids of what it
/// creates. Handlers pass the real clock and time-ordered ids; tests pass fixed ones.
/// </summary>
internal sealed record DecisionContext(DateTimeOffset Now, Func<Guid> NewId)
{
    public DateOnly Today => DateOnly.FromDateTime(Now.UtcDateTime);

    public static DecisionContext At(TimeProvider clock) => new(clock.GetUtcNow(), Guid.CreateVersion7);
}
