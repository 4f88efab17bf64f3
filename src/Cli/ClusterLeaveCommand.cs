namespace Atelier.Cli;

/// <summary><c>pbm cluster leave ADDRESS</c>: asks a member to leave the cluster gracefully.</summary>
internal static class ClusterLeaveCommand
{
    /// <summary><c>pbm cluster leave</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("cluster", "leave", RunAsync)
    {
        Operands = [new("ADDRESS", "missing the ADDRESS of the node that should leave (see pbm cluster show)", NodeAddress.Check("pbm cluster show"))],
        Summary = "ask a live member to leave the cluster gracefully",
        About = """
        ask a live member to leave the cluster gracefully: it moves through leaving
        and exiting to removed (follow it with pbm cluster show). This is the way to take a healthy node
        out, e.g. for maintenance; to let a worker's running trials finish first, drain it beforehand
        with pbm worker drain ADDRESS.
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
        return context.Show(await client.LeaveAsync(context.Command.Argument!, ct), leave =>
            context.Out.WriteLine($"{leave.Message}: it hands its work over, then leaves (follow it with pbm cluster show)"));
    }
}
