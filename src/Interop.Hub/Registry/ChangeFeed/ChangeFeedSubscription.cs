using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Services;
using Marten.Subscriptions;

namespace Interop.Hub.Registry.ChangeFeed;

/// <summary>
/// A Marten subscription run by the async daemon (on one hub of those sharing the database): for
/// each page of events it has safely passed, in the daemon's own gap-free sequence order, it tells
/// every hub through PostgreSQL NOTIFY how far the feed may now read. The notification is sent in
/// the transaction that records the subscription's progress, so it never runs ahead of it.
/// </summary>
internal sealed class ChangeFeedSubscription : SubscriptionBase
{
    public const string FeedName = "change_feed";
    public const string Channel = "interop_change_feed";

    public ChangeFeedSubscription()
    {
        Name = FeedName;
    }

    public override Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        operations.QueueSqlCommand("select pg_notify(?, ?)", Channel, page.SequenceCeiling.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Task.FromResult(NullChangeListener.Instance);
    }

    private sealed class NullChangeListener : IChangeListener
    {
        public static readonly IChangeListener Instance = new NullChangeListener();

        public Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token) => Task.CompletedTask;

        public Task BeforeCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token) => Task.CompletedTask;
    }
}
