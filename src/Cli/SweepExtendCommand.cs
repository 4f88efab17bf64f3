using Atelier.Shared.Specs;

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
