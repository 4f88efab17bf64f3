using Akka;
using Akka.Actor;

namespace Atelier.Shared.Hosting;

/// <summary>
/// Why the actor system stopped itself with an exit code, for the process to end with it: Akka.Remote stops a node whose
/// TLS handshake with a peer failed (exit code 79; the log says with whom and why), and the host would otherwise end
/// the process with 0 as after a clean stop.
/// </summary>
public static class NodeExit
{
    /// <summary>The reason of the last stop that asked for a non-zero exit code; null after a clean stop.</summary>
    public static CoordinatedShutdown.Reason? Reason { get; private set; }

    /// <summary>Remembers the reason when <paramref name="system"/> stops.</summary>
    public static void Watch(ActorSystem system)
    {
        var shutdown = CoordinatedShutdown.Get(system);
        shutdown.AddTask(CoordinatedShutdown.PhaseActorSystemTerminate, "atelier-exit-code", () =>
        {
            if (shutdown.ShutdownReason is { ExitCode: not 0 } reason) Reason = reason;
            return Task.FromResult(Done.Instance);
        });
    }

    /// <summary>One line for the process's last words, or null after a clean stop.</summary>
    public static string? Describe() => Reason is { } r
        ? $"the cluster node stopped itself ({r.GetType().Name.Replace("Reason", "")}, exit code {r.ExitCode}); the log above says why"
        : null;
}
