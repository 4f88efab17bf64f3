namespace Atelier.Cli;

/// <summary><c>pbm cluster down ADDRESS</c>: marks a dead or unreachable member down, so that the cluster moves on without it.</summary>
internal static class ClusterDownCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        using var client = context.CreateClient();
        var result = await client.DownAsync(context.Command.Argument!, ct);
        if (result.Error is { } error)
            return context.Fail(error);

        if (context.Command.Json)
            context.WriteJson(result.Json);
        else
            context.Out.WriteLine($"{result.Value!.Message}: the cluster removes it, and its running trials are requeued when their leases expire");
        return ExitCodes.Ok;
    }
}
