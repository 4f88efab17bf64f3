namespace Atelier.Cli;

/// <summary><c>pbm worker drain ADDRESS</c>: a worker node finishes its trials and takes no new ones.</summary>
internal static class WorkerDrainCommand
{
    /// <summary><c>pbm worker drain</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("worker", "drain", RunAsync)
    {
        Operands = [new("ADDRESS", "missing the ADDRESS of the worker node to drain (see pbm worker list)", NodeAddress.Check("pbm worker list"))],
        Summary = "a worker node finishes its trials and takes no new ones",
        About = """
        a worker node finishes the trials it is running and takes no new ones, e.g. to
        free its GPUs for something else; the other workers carry on with the sweeps. Its slots show
        busy (draining), then drained, in pbm worker list. Once drained, the node can be stopped or taken
        out with pbm cluster leave ADDRESS.
        """,
        Details = """
        ADDRESS is the node's address, akka.tcp://atelier@HOST:PORT, as the NODE column of pbm worker list
        shows it. It is checked before anything is sent (exit 2); a node that has reported no slots
        gives exit 1.

        Options:
          --json   print the coordinator's JSON ({node, slots, message}) only
        """,
    };

    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        using var client = context.CreateClient();
        return context.Show(await client.DrainAsync(context.Command.Argument!, ct), drain =>
            context.Out.WriteLine($"draining {drain.Node}: {drain.Message} (follow it with pbm worker list)"));
    }
}
