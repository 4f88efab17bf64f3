namespace Atelier.Cli;

/// <summary><c>pbm worker drain ADDRESS</c>: a worker node finishes its trials and takes no new ones.</summary>
internal static class WorkerDrainCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        using var client = context.CreateClient();
        var result = await client.DrainAsync(context.Command.Argument!, ct);
        if (result.Error is { } error)
            return context.Fail(error);

        if (context.Command.Json)
            context.WriteJson(result.Json);
        else
            context.Out.WriteLine($"draining {result.Value!.Node}: {result.Value.Message} (follow it with pbm worker list)");
        return ExitCodes.Ok;
    }
}
