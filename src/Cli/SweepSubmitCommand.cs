using Atelier.Contracts.Api;

namespace Atelier.Cli;

/// <summary>
/// <c>pbm sweep submit FILE [--wait] [--dry-run]</c>: validates the spec locally (nothing is sent when it is invalid),
/// uploads the input files it names (relative to the spec) and posts it with their hashes in their place; with
/// <c>--wait</c> follows the sweep until it completes, then prints it as <c>show</c> does. <c>--dry-run</c> sends
/// nothing: it prints the trial count and the first trials.
/// </summary>
internal static class SweepSubmitCommand
{
    /// <summary><c>pbm sweep submit</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("sweep", "submit", RunAsync)
    {
        Operands = [new("FILE", "missing the spec FILE to submit")],
        Options = [[CommandOptions.Wait, CommandOptions.DryRun]],
        Summary = "validate a sweep spec (YAML) locally, upload its input files, submit it;\n--wait: then wait for the results; --dry-run: show the trials, send nothing",
        About = "validate a sweep spec locally, then submit it to the coordinator.",
        Details = """
        The spec is checked before anything is sent: every problem is printed as FILE:line N: field: message
        and pbm exits with 2. On success pbm prints "submitted sweep ID (N trials)".

        Input files: where a job parameter takes a file (style-transfer's content and style), a value that
        is neither builtin:NAME nor sha256:HEX is a local path, relative to the spec's directory. pbm
        uploads each such file once (POST /api/inputs; the coordinator caps the size, 50 MiB by default)
        and submits the spec with sha256:HEX in its place: the coordinator and the workers know inputs only
        by content hash. A missing or unreadable file is a usage error (exit 2; nothing was sent).

        Options:
          --wait      then wait until every trial has finished and print the results (as pbm sweep show);
                      Ctrl+C stops waiting, the sweep keeps running
          --dry-run   upload and submit nothing: print the number of trials, the input files that would be
                      uploaded, and the first 10 trials, as the coordinator would expand them
          --json      print the coordinator's JSON answer only (with --wait: the finished sweep; with
                      --dry-run: {name, job, method, trials, seed, inputs, firstTrials})
        """,
    };

    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        var spec = await LocalSpec.LoadAsync(context, context.Command.Argument!, "submit", ct);
        if (spec is null)
            return ExitCodes.Usage;
        if (context.Command.DryRun)
            return SweepDryRun.Print(context, spec);

        using var client = context.CreateClient();
        if (await spec.UploadInputsAsync(context, client, "the sweep was not submitted", ct) is { } failed)
            return failed;

        var submitted = await client.SubmitAsync(spec.YamlToSend, ct);
        if (submitted.Error is { } error)
            return context.Fail(error, spec.File);

        var sweep = submitted.Value!;
        if (!context.Command.Json)
            context.Out.WriteLine($"submitted sweep {sweep.Id} ({Format.Count(sweep.Trials, "trial")})");
        if (!context.Command.Wait)
        {
            if (context.Command.Json)
                context.WriteJson(submitted.Json);
            return ExitCodes.Ok;
        }

        return await WaitAsync(context, client, sweep.Id, ct);
    }

    private static async Task<int> WaitAsync(CommandContext context, CoordinatorClient client, string id, CancellationToken ct)
    {
        var progress = new Progress(context);
        try
        {
            // Follows the sweep's event stream (reconnecting if the coordinator restarts): no polling.
            var (final, error) = await new SweepFollower(context, client, id).FollowAsync(sweep => progress.Show(sweep.Counts), ct);
            progress.Clear();
            if (error is not null)
                return context.Fail(error with { Message = $"while waiting for sweep {id}: {error.Message}" });

            if (context.Command.Json)
                context.WriteJson(final!.Json);
            else
            {
                context.Out.WriteLine();
                SweepShowCommand.Write(final!.Sweep!, context.Out, context.Styler, context.Host.TimeZone);
            }
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            progress.Clear();
            context.Error($"stopped waiting; sweep {id} keeps running on the coordinator: see pbm sweep show {id}");
            return ExitCodes.Interrupted;
        }
    }

    /// <summary>A progress line on stderr that rewrites itself, only when stderr is a terminal.</summary>
    private sealed class Progress(CommandContext context)
    {
        private bool _shown;

        public void Show(TrialCountsDto counts)
        {
            if (!context.Host.ProgressOnStderr) return;
            context.Err.Write($"\r\u001b[Kwaiting: {SweepShowCommand.Counts(counts)} (Ctrl+C stops waiting)");
            context.Err.Flush();
            _shown = true;
        }

        public void Clear()
        {
            if (!_shown) return;
            context.Err.Write("\r\u001b[K");
            context.Err.Flush();
            _shown = false;
        }
    }
}
