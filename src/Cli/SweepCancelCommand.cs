using Atelier.Shared.Protocol;

namespace Atelier.Cli;

/// <summary><c>pbm sweep cancel ID</c>: cancels a sweep and shows what it became.</summary>
internal static class SweepCancelCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        if (context.SweepIdArgument() is not { } id) return ExitCodes.Usage;

        using var client = context.CreateClient();
        var result = await client.CancelAsync(id, ct);
        if (result.Error is { } error)
            return context.Fail(error);

        if (context.Command.Json)
        {
            context.WriteJson(result.Json);
            return ExitCodes.Ok;
        }
        var counts = result.Value!.Counts;
        context.Out.WriteLine($"cancelled sweep {id}: {counts.Completed} completed trials kept, {counts.Cancelled} cancelled, {counts.Running} still stopping");
        return ExitCodes.Ok;
    }
}
