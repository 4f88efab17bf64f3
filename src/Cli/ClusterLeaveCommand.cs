namespace Atelier.Cli;

/// <summary><c>pbm cluster leave ADDRESS</c>: asks a member to leave the cluster gracefully.</summary>
internal static class ClusterLeaveCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        using var client = context.CreateClient();
        var result = await client.LeaveAsync(context.Command.Argument!, ct);
        if (result.Error is { } error)
            return context.Fail(error);

        if (context.Command.Json)
            context.WriteJson(result.Json);
        else
            context.Out.WriteLine($"{result.Value!.Message}: it hands its work over, then leaves (follow it with pbm cluster show)");
        return ExitCodes.Ok;
    }
}
