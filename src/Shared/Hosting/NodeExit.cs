using Akka;
using Akka.Actor;

namespace Atelier.Shared.Hosting;

/// <summary>
/// Whether the actor system stopped because a TLS handshake with a peer failed, for the process to end with Akka's code
/// for it (79) instead of 0: Akka.Remote stops a node whose outbound handshake fails, and the log says with whom and
/// why. Only that reason counts: a worker downed by the split-brain resolver stops with a code too, and rejoins.
/// </summary>
public static class NodeExit
{
    /// <summary>Akka.Remote's reason (internal to it) for stopping a node after a failed TLS handshake.</summary>
    private const string TlsHandshakeFailure = "TlsHandshakeFailureReason";

    /// <summary>The reason of the current actor system's stop when it was a failed TLS handshake; else null.</summary>
    public static CoordinatedShutdown.Reason? Reason { get; private set; }

    /// <summary>Forgets the last actor system's reason and remembers <paramref name="system"/>'s when it stops.</summary>
    public static void Watch(ActorSystem system)
    {
        Reason = null;
        var shutdown = CoordinatedShutdown.Get(system);
        shutdown.AddTask(CoordinatedShutdown.PhaseActorSystemTerminate, "atelier-exit-code", () =>
        {
            if (shutdown.ShutdownReason is { } reason && reason.GetType().Name == TlsHandshakeFailure) Reason = reason;
            return Task.FromResult(Done.Instance);
        });
    }

    /// <summary>One line for the process's last words, or null unless a TLS handshake stopped the node.</summary>
    public static string? Describe() => Reason is { } r
        ? $"the cluster node stopped itself (TlsHandshakeFailure, exit code {r.ExitCode}); the log above says with whom and why"
        : null;
}
