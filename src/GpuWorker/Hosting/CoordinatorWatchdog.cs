using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Microsoft.Extensions.Hosting;

namespace Atelier.GpuWorker.Hosting;

/// <summary>
/// Asks the process to rejoin when the worker is left in a cluster with no coordinator. A restarted
/// coordinator that is its own only seed forms a new cluster; the workers of the old one would
/// wait for it forever. Once no coordinator has been up and reachable for <c>timeout</c>, the
/// watchdog stops the host and flags <see cref="WorkerLifetime.Rejoin"/>, and Program starts a
/// fresh actor system that joins through the seed nodes again.
/// </summary>
public sealed class CoordinatorWatchdog : ReceiveActor, IWithTimers
{
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly HashSet<UniqueAddress> _coordinators = [];
    private readonly HashSet<UniqueAddress> _unreachable = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private DateTimeOffset? _lostSince;

    public CoordinatorWatchdog(WorkerLifetime lifetime, IHostApplicationLifetime host, TimeSpan timeout)
    {
        Receive<ClusterEvent.MemberUp>(m => Track(m.Member, add: true));
        Receive<ClusterEvent.MemberRemoved>(m => Track(m.Member, add: false));
        Receive<ClusterEvent.UnreachableMember>(m => _unreachable.Add(m.Member.UniqueAddress));
        Receive<ClusterEvent.ReachableMember>(m => _unreachable.Remove(m.Member.UniqueAddress));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<Check>(_ =>
        {
            var reachable = _coordinators.Count(c => !_unreachable.Contains(c));
            if (reachable > 0 || _coordinators.Count == 0 && _lostSince is null)
            {
                // Either a coordinator is there, or none has been seen yet (the seed join is still retrying).
                if (reachable > 0) _lostSince = null;
                return;
            }
            _lostSince ??= DateTimeOffset.UtcNow;
            if (DateTimeOffset.UtcNow - _lostSince < timeout) return;
            _log.Warning("no coordinator reachable for {0}s: leaving this cluster to rejoin through the seed nodes", timeout.TotalSeconds);
            lifetime.RequestRejoin($"no coordinator reachable for {timeout.TotalSeconds:0}s");
            host.StopApplication();
        });
        _cluster.RegisterOnMemberRemoved(() =>
        {
            // Removed from the cluster (downed by the split-brain resolver) without being asked to stop.
            // Downed (the split-brain resolver cut this worker off): rejoin. A shutdown for any other
            // reason (a signal, a leave) also removes the node, and is no reason to rejoin.
            var reason = CoordinatedShutdown.Get(_cluster.System).ShutdownReason; // not Context: this runs off the actor
            var downed = reason is null || reason is CoordinatedShutdown.ClusterDowningReason;
            if (!host.ApplicationStopping.IsCancellationRequested && downed)
                lifetime.RequestRejoin("this worker was removed from the cluster");
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("check", new Check(), TimeSpan.FromSeconds(1));
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Track(Member member, bool add)
    {
        if (!member.HasRole(ClusterNames.CoordinatorRole)) return;
        if (add) _coordinators.Add(member.UniqueAddress);
        else
        {
            _coordinators.Remove(member.UniqueAddress);
            _unreachable.Remove(member.UniqueAddress);
            if (_coordinators.Count == 0) _lostSince ??= DateTimeOffset.UtcNow;
        }
    }

    private sealed record Check;
}

/// <summary>Whether the worker process should start a fresh actor system after its host stopped, and why.</summary>
public sealed class WorkerLifetime
{
    private volatile string? _rejoinReason;

    public bool Rejoin => _rejoinReason is not null;

    public string? Reason => _rejoinReason;

    public void RequestRejoin(string reason) => _rejoinReason ??= reason;
}
