using Atelier.Shared.Api;
using Atelier.Shared.Protocol;
using Atelier.Shared.Specs;

namespace Atelier.Cli;

/// <summary>
/// <c>pbm sweep submit FILE [--wait] [--dry-run]</c>: validates the spec locally (nothing is sent when it is invalid),
/// uploads the input files it names (relative to the spec) and posts it with their hashes in their place; with
/// <c>--wait</c> follows the sweep until it completes, then prints it as <c>show</c> does. <c>--dry-run</c> sends
/// nothing: it prints the trial count and the first trials.
/// </summary>
internal static class SweepSubmitCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        var file = context.Command.Argument!;
        var yaml = await ReadAsync(context, file, ct);
        if (yaml is null)
            return ExitCodes.Usage;

        var parsed = SweepSpecParser.Parse(yaml);
        if (!parsed.IsValid)
        {
            foreach (var e in parsed.Errors)
                context.Err.WriteLine(CommandContext.DetailLine(e.Field, e.Message, e.Line, file));
            context.Error($"{file} has {Format.Count(parsed.Errors.Count, "problem")}: fix {(parsed.Errors.Count == 1 ? "it" : "them")} and submit again (nothing was sent)");
            return ExitCodes.Usage;
        }

        var uploads = await SpecUploads.PrepareAsync(file, yaml, parsed.Spec!, context.Host.HomeDirectory, ct);
        if (uploads.Errors.Count > 0)
        {
            foreach (var e in uploads.Errors)
                context.Err.WriteLine(CommandContext.DetailLine(e.Field, e.Message, e.Line, file));
            context.Error($"{file} names {Format.Count(uploads.Errors.Count, "input")} pbm cannot upload: fix {(uploads.Errors.Count == 1 ? "it" : "them")} and submit again (nothing was sent)");
            return ExitCodes.Usage;
        }
        if (context.Command.DryRun)
            return SweepDryRun.Print(context, file, parsed.Spec!, uploads);

        using var client = context.CreateClient();
        // Each file once, by content: the spec the coordinator stores names them only by hash.
        foreach (var input in uploads.Distinct)
        {
            var uploaded = await client.UploadInputAsync(input.FullPath, Path.GetFileName(input.FullPath), input.Sha256, ct);
            if (uploaded.Error is { } uploadError)
                return context.Fail(uploadError with { Message = $"uploading {input.Display}: {uploadError.Message} (the sweep was not submitted)" });
            if (!context.Command.Json)
            {
                var how = uploaded.Value!.Existed ? "already on the coordinator" : "uploaded";
                context.Out.WriteLine($"input {input.Display} ({Shared.Hosting.ByteSizes.Format(input.Size)}): {how} as sha256:{input.Sha256}");
            }
        }

        var submitted = await client.SubmitAsync(uploads.Rewrite(yaml), ct);
        if (submitted.Error is { } error)
            return context.Fail(error, file);

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

    private static async Task<string?> ReadAsync(CommandContext context, string file, CancellationToken ct)
    {
        var full = Path.GetFullPath(file);
        if (Directory.Exists(full))
        {
            context.Error($"{file} is a directory: give the sweep spec's YAML file");
            return null;
        }
        try
        {
            return await File.ReadAllTextAsync(full, ct);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            context.Error($"no such file: {file} (looked for {full}); give the path of a sweep spec YAML file, e.g. examples/synthetic-grid.yaml");
        }
        catch (UnauthorizedAccessException)
        {
            context.Error($"cannot read {file}: permission denied");
        }
        catch (IOException e)
        {
            context.Error($"cannot read {file}: {e.Message}");
        }
        return null;
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
