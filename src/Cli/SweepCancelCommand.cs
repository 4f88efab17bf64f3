using Atelier.Shared.Protocol;

namespace Atelier.Cli;

/// <summary><c>pbm sweep cancel ID</c>: cancels a sweep and shows what it became.</summary>
internal static class SweepCancelCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        if (context.SweepIdArgument() is not { } id) return ExitCodes.Usage;

        using var client = context.CreateClient();
        return context.Show(await client.CancelAsync(id, ct), sweep =>
            context.Out.WriteLine($"cancelled sweep {id}: {sweep.Counts.Completed} completed trials kept, {sweep.Counts.Cancelled} cancelled, {sweep.Counts.Running} still stopping"));
    }
}
