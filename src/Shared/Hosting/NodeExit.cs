using Akka;
using Akka.Actor;

namespace Atelier.Shared.Hosting;

/// <summary>
/// Why the actor system stopped, when the process should end with Akka's code for it instead of 0:
/// <list type="bullet">
/// <item>a failed TLS handshake (79): Akka.Remote stops a node whose outbound handshake fails, and the log says with whom
/// and why;</item>
/// <item>this node was downed (3), by the split-brain resolver or <c>pbm cluster down</c>: it is out of the cluster for
/// good, and a supervisor (Kubernetes, systemd's <c>Restart=on-failure</c>) must start it again to rejoin. A worker
/// rejoins by itself instead (see its <c>CoordinatorWatchdog</c>).</item>
/// </list>
/// </summary>
public static class NodeExit
{
    /// <summary>Akka.Remote's reason (internal to it) for stopping a node after a failed TLS handshake.</summary>
    private const string TlsHandshakeFailure = "TlsHandshakeFailureReason";

    /// <summary>The reason of the current actor system's stop when it was one of the above; else null.</summary>
    public static CoordinatedShutdown.Reason? Reason { get; private set; }

    /// <summary>Forgets the last actor system's reason and remembers <paramref name="system"/>'s when it stops.</summary>
    public static void Watch(ActorSystem system)
    {
        Reason = null;
        var shutdown = CoordinatedShutdown.Get(system);
        shutdown.AddTask(CoordinatedShutdown.PhaseActorSystemTerminate, "atelier-exit-code", () =>
        {
            if (shutdown.ShutdownReason is { } reason &&
                (reason is CoordinatedShutdown.ClusterDowningReason || reason.GetType().Name == TlsHandshakeFailure))
                Reason = reason;
            return Task.FromResult(Done.Instance);
        });
    }

    /// <summary>Whether the current actor system stopped because this node was downed.</summary>
    public static bool Downed => Reason is CoordinatedShutdown.ClusterDowningReason;

    /// <summary>One line for the process's last words, or null unless one of the reasons above stopped the node.</summary>
    public static string? Describe() => Reason switch
    {
        CoordinatedShutdown.ClusterDowningReason r =>
            $"this node was downed (by the split-brain resolver or `pbm cluster down`) and is out of the cluster; exit code {r.ExitCode}, for a supervisor to start it again (the log above says who downed it)",
        { } r when r.GetType().Name == TlsHandshakeFailure =>
            $"the cluster node stopped itself (TlsHandshakeFailure, exit code {r.ExitCode}); the log above says with whom and why",
        _ => null,
    };
}
