namespace Atelier.Cli;

/// <summary><c>pbm worker drain ADDRESS</c>: a worker node finishes its trials and takes no new ones.</summary>
internal static class WorkerDrainCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        using var client = context.CreateClient();
        return context.Show(await client.DrainAsync(context.Command.Argument!, ct), drain =>
            context.Out.WriteLine($"draining {drain.Node}: {drain.Message} (follow it with pbm worker list)"));
    }
}
