namespace Atelier.Cli;

/// <summary>
/// <c>pbm sweep pause ID</c> and <c>pbm sweep resume ID</c>. The coordinator answers with the sweep as it now is; a
/// refusal (already paused, not paused, already ended, no such sweep) is its message on stderr and exit 1.
/// </summary>
internal static class SweepControlCommand
{
    public static async Task<int> PauseAsync(CommandContext context, CancellationToken ct)
    {
        if (context.SweepIdArgument() is not { } id) return ExitCodes.Usage;

        using var client = context.CreateClient();
        // The coordinator's own words for a pause (SweepState's reply), with where the sweep stands.
        return context.Show(await client.PauseAsync(id, ct), sweep =>
            context.Out.WriteLine($"sweep {id} paused: running trials finish, no new ones start ({SweepShowCommand.Counts(sweep.Counts)})"));
    }

    public static async Task<int> ResumeAsync(CommandContext context, CancellationToken ct)
    {
        if (context.SweepIdArgument() is not { } id) return ExitCodes.Usage;

        using var client = context.CreateClient();
        return context.Show(await client.ResumeAsync(id, ct), sweep =>
            context.Out.WriteLine($"sweep {id} resumed ({SweepShowCommand.Counts(sweep.Counts)})"));
    }
}
