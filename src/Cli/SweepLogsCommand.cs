using System.Globalization;

namespace Atelier.Cli;

/// <summary><c>pbm sweep logs ID [TRIAL]</c>: the sweep's journal as lines (one trial's, with its metrics).</summary>
internal static class SweepLogsCommand
{
    /// <summary><c>pbm sweep logs</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("sweep", "logs", RunAsync)
    {
        Operands = [new("ID", "missing the sweep ID whose log to show (see pbm sweep list)"), new("TRIAL", null)],
        Summary = "the sweep's history line by line (one trial's, with its metrics)",
        About = """
        a sweep's history, one line per event of its journal, in order: created, each
        trial's attempts (started on which slot, failed with which error, retried, requeued after a lost
        worker, stopped early at which rung, completed with which metrics), the artifacts stored, pauses,
        extensions and cancellation. Complete after any coordinator restart: the journal keeps every event.
        """,
        Details = """
        With TRIAL (the trial's index, as pbm sweep show ID lists it): that trial's lines only, with its
        metrics step by step.

        Options:
          --json      print the coordinator's JSON ({sweepId, trial, lines: [{sequence, at, trial, attempt,
                      kind, message}]})
        """,
    };

    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        if (context.SweepIdArgument() is not { } id) return ExitCodes.Usage;
        int? trial = null;
        if (context.Command.Operands.ElementAtOrDefault(1) is { } trialText)
        {
            if (!int.TryParse(trialText, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                context.Error($"'{trialText}' is not a trial number: give the trial's index (0 or more), as pbm sweep show {id} lists them");
                return ExitCodes.Usage;
            }
            trial = t;
        }

        using var client = context.CreateClient();
        return context.Show(await client.LogsAsync(id, trial, ct), log =>
        {
            if (log.Lines.Count == 0)
                context.Out.WriteLine(trial is null ? $"sweep {id} has no events yet" : $"trial {trial} of sweep {id} has not started yet");
            foreach (var line in log.Lines)
            {
                var at = line.At is { } when ? when.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) : new string(' ', 23);
                context.Out.WriteLine($"{at}  {line.Kind,-9}  {line.Message}");
            }
        });
    }
}
