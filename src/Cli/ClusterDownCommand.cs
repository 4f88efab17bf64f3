namespace Atelier.Cli;

/// <summary><c>pbm cluster down ADDRESS</c>: marks a dead or unreachable member down, so that the cluster moves on without it.</summary>
internal static class ClusterDownCommand
{
    /// <summary><c>pbm cluster down</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("cluster", "down", RunAsync)
    {
        Operands = [new("ADDRESS", "missing the ADDRESS of the node to mark down (see pbm cluster show)", NodeAddress.Check("pbm cluster show"))],
        Summary = "remove a dead or unreachable member (leave is the graceful way)",
        About = """
        mark a member down. This is for a node that is dead or unreachable (crashed,
        powered off, cut off by the network: REACHABLE no in pbm cluster show), so that the cluster stops
        waiting for it and moves on; once it is removed, the trials it was running are requeued at once.
        Do not down a healthy node: pbm cluster leave ADDRESS is the graceful way to take a live node
        out. A downed node cannot come back without a restart.
        """,
        Details = """
        ADDRESS is the member's address, akka.tcp://atelier@HOST:PORT, as pbm cluster show prints it.
        It is checked before anything is sent (exit 2); an address that is not a member gives exit 1.

        Options:
          --json   print the coordinator's JSON ({address, message}) only
        """,
    };

    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        using var client = context.CreateClient();
        return context.Show(await client.DownAsync(context.Command.Argument!, ct), down =>
            context.Out.WriteLine($"{down.Message}: the cluster removes it, and its running trials are requeued at once"));
    }
}
