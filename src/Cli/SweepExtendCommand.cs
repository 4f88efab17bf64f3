using Atelier.Contracts.Specs;

namespace Atelier.Cli;

/// <summary>
/// <c>pbm sweep extend ID FILE [--dry-run]</c>: checks FILE exactly as <c>pbm sweep submit</c> does (nothing is sent
/// when it is invalid), uploads the input files it names the same way, and posts it to the sweep's <c>/extend</c>.
/// The coordinator decides what the spec adds (a wider grid: the configurations the sweep has not run; random: the
/// rest of its sequence up to the new <c>run_cap</c>; bayes: more suggestions) and refuses a spec with another job,
/// method or metric, one that adds nothing, or one that would make the sweep too large: its message, exit 1.
/// </summary>
internal static class SweepExtendCommand
{
    /// <summary><c>pbm sweep extend</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("sweep", "extend", RunAsync)
    {
        Operands = [new("ID", "missing the sweep ID and the spec FILE to extend it with (see pbm sweep list)"), new("FILE", "missing the spec FILE to extend the sweep with")],
        Options = [[CommandOptions.DryRun]],
        Summary = "add trials with a wider spec (same job, method, metric); --dry-run",
        About = """
        add trials to a sweep, running or ended, with a new spec for it; its history,
        results and best trial are kept. A paused or finished sweep runs again.
        """,
        Details = """
        FILE is checked and its input files uploaded exactly as by pbm sweep submit: every problem is
        printed as FILE:line N: field: message and pbm exits with 2 (nothing was sent).

        The spec must have the sweep's job, method and metric. What it adds:
          grid     the configurations of the new grid that the sweep has not run (none runs twice)
          random   the sweep's random sequence continues up to the new run_cap
          bayes    a larger run_cap: the sweep suggests more trials from all its results
        The coordinator refuses another job, method or metric, a spec that adds nothing, and a sweep of
        more than 10,000 trials: its message, exit 1. On success pbm prints "sweep ID extended with N
        trials" and the trial counts.

        Options:
          --dry-run   upload and send nothing (the coordinator is not asked): print the spec's trial
                      count, the input files that would be uploaded and its first 10 trials
          --json      print the coordinator's JSON (the extended sweep) only; with --dry-run: as for
                      pbm sweep submit --dry-run, with "extends": ID
        """,
    };

    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        if (context.SweepIdArgument() is not { } id) return ExitCodes.Usage;
        var spec = await LocalSpec.LoadAsync(context, context.Command.Operands[1], "extend", ct);
        if (spec is null)
            return ExitCodes.Usage;
        if (context.Command.DryRun)
            return SweepDryRun.Print(context, spec, extends: id);

        using var client = context.CreateClient();
        // The sweep as it is, for how many trials the extension adds (the coordinator answers with the extended sweep
        // only); a sweep that does not exist is reported before any input is uploaded.
        var before = await client.GetAsync(id, history: false, ct);
        if (before.Error is { } missing)
            return context.Fail(missing);

        if (await spec.UploadInputsAsync(context, client, $"sweep {id} was not extended", ct) is { } failed)
            return failed;

        var extended = await client.ExtendAsync(id, spec.YamlToSend, ct);
        if (extended.Error is { } error)
            return context.Fail(error, spec.File);

        if (context.Command.Json)
        {
            context.WriteJson(extended.Json);
            return ExitCodes.Ok;
        }
        var sweep = extended.Value!;
        var added = sweep.Counts.Total - before.Value!.Counts.Total;
        context.Out.WriteLine(spec.Spec.Method == SearchMethod.Bayes && added == 0
            ? $"sweep {id} extended: bayes suggests trials from its results up to run_cap {spec.Spec.RunCap} ({SweepShowCommand.Counts(sweep.Counts)})"
            : $"sweep {id} extended with {Format.Count(added, "trial")} ({SweepShowCommand.Counts(sweep.Counts)})");
        return ExitCodes.Ok;
    }
}
