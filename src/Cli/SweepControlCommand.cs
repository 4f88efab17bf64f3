namespace Atelier.Cli;

/// <summary>
/// <c>pbm sweep pause ID</c> and <c>pbm sweep resume ID</c>. The coordinator answers with the sweep as it now is; a
/// refusal (already paused, not paused, already ended, no such sweep) is its message on stderr and exit 1.
/// </summary>
internal static class SweepControlCommand
{
    /// <summary><c>pbm sweep pause</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Pause = new("sweep", "pause", PauseAsync)
    {
        Operands = [new("ID", "missing the sweep ID to pause (see pbm sweep list)")],
        Summary = "no new trials start; running ones finish (resume ID goes on)",
        About = """
        pause a sweep. No new trials start; running trials finish and their results are
        kept. pbm sweep resume ID starts trials again.
        """,
        Details = """
        On success pbm prints "sweep ID paused: running trials finish, no new ones start" and the trial
        counts. A sweep that is already paused, or has already ended, is left as it is: the coordinator's
        message and exit 1.

        Options:
          --json   print the coordinator's JSON (the paused sweep) only
        """,
    };

    /// <summary><c>pbm sweep resume</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Resume = new("sweep", "resume", ResumeAsync)
    {
        Operands = [new("ID", "missing the sweep ID to resume (see pbm sweep list)")],
        Summary = "a paused sweep starts trials again",
        About = "a paused sweep starts trials again, where it left off.",
        Details = """
        On success pbm prints "sweep ID resumed" and the trial counts. A sweep that is not paused is left
        as it is: the coordinator's message and exit 1.

        Options:
          --json   print the coordinator's JSON (the resumed sweep) only
        """,
    };

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
