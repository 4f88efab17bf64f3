namespace Atelier.Cli;

/// <summary><c>pbm cluster down ADDRESS</c>: marks a dead or unreachable member down, so that the cluster moves on without it.</summary>
internal static class ClusterDownCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        using var client = context.CreateClient();
        return context.Show(await client.DownAsync(context.Command.Argument!, ct), down =>
            context.Out.WriteLine($"{down.Message}: the cluster removes it, and its running trials are requeued when their leases expire"));
    }
}
