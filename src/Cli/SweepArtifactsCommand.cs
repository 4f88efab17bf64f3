using System.Globalization;
using System.Text.Json;
using Atelier.Contracts.Api;
using Atelier.Contracts.Text;

namespace Atelier.Cli;

/// <summary>
/// <c>pbm sweep artifacts ID TRIAL [--out DIR]</c>: a trial's files (checkpoints, pictures, results, the inputs as used)
/// as a table; with <c>--out</c> downloaded into DIR under their names, each checked against its SHA-256.
/// </summary>
internal static class SweepArtifactsCommand
{
    /// <summary><c>pbm sweep artifacts</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("sweep", "artifacts", RunAsync)
    {
        Operands = [new("ID", "missing the sweep ID and TRIAL whose artifacts to list (see pbm sweep list)"), new("TRIAL", "missing the TRIAL number (see pbm sweep show ID)")],
        Options = [[CommandOptions.Out]],
        Summary = "a trial's files (checkpoints, pictures, results); --out DIR downloads them",
        About = """
        the files one trial produced, as the coordinator's store holds them:
        checkpoints, previews, results, and the inputs as the job used them (style-transfer:
        inputs/content.png, inputs/style.png).
        """,
        Details = """
        Columns: NAME (the path in the trial's work directory), KIND, SIZE, STEP (the step reached when it
        was written), SHA256. TRIAL is the trial's index, as pbm sweep show ID lists it.

        Options:
          --out DIR   download every artifact into DIR under its name (directories created), each checked
                      against its SHA-256 before it is written; older checkpoints of the same name get their
                      step in the name (checkpoint.step-50.safetensors). Names that would leave DIR are refused.
          --json      print the coordinator's JSON ({sweepId, trial, artifacts: [{name, kind, size, sha256,
                      step}]}); with --out: {directory, files: [{name, path, kind, size, sha256, step}]}
        """,
    };

    /// <summary>What <c>--out … --json</c> prints: where each file went.</summary>
    internal sealed record DownloadedDto(string Directory, IReadOnlyList<DownloadedFileDto> Files);

    internal sealed record DownloadedFileDto(string Name, string Path, string Kind, long Size, string Sha256, long Step);

    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        if (context.SweepIdArgument() is not { } id) return ExitCodes.Usage;
        var trialText = context.Command.Operands.ElementAtOrDefault(1) ?? "";
        if (!int.TryParse(trialText, NumberStyles.None, CultureInfo.InvariantCulture, out var trial))
        {
            context.Error($"'{trialText}' is not a trial number: give the trial's index (0 or more), as pbm sweep show {id} lists them");
            return ExitCodes.Usage;
        }

        using var client = context.CreateClient();
        var listed = await client.ArtifactsAsync(id, trial, ct);
        if (listed.Error is { } error) return context.Fail(error);
        var artifacts = listed.Value!.Artifacts;

        if (context.Command.Out is not { } outDir)
        {
            if (context.Command.Json) context.WriteJson(listed.Json);
            else Write(id, trial, artifacts, context);
            return ExitCodes.Ok;
        }
        return await DownloadAsync(context, client, id, trial, artifacts, outDir, ct);
    }

    private static void Write(string id, int trial, IReadOnlyList<ArtifactDto> artifacts, CommandContext context)
    {
        if (artifacts.Count == 0)
        {
            context.Out.WriteLine($"trial {trial} of sweep {id} has no artifacts (yet)");
            return;
        }
        var table = new Table(new Column("NAME"), new Column("KIND"), new Column("SIZE", Align.Right), new Column("STEP", Align.Right), new Column("SHA256"));
        foreach (var a in artifacts.OrderBy(a => a.Name, StringComparer.Ordinal).ThenBy(a => a.Step))
            table.AddRow(a.Name, a.Kind, ByteSizes.Format(a.Size), a.Step.ToString(CultureInfo.InvariantCulture), a.Sha256);
        table.Write(context.Out, context.Styler);
        context.Out.WriteLine();
        context.Out.WriteLine($"{Format.Count(artifacts.Count, "artifact")}, {ByteSizes.Format(artifacts.Sum(a => a.Size))}; download them with pbm sweep artifacts {id} {trial} --out DIR");
    }

    private static async Task<int> DownloadAsync(CommandContext context, CoordinatorClient client, string id, int trial,
        IReadOnlyList<ArtifactDto> artifacts, string outDir, CancellationToken ct)
    {
        var root = Path.GetFullPath(outDir);
        var plan = new List<(ArtifactDto Artifact, string Name, string Path)>();
        foreach (var group in artifacts.GroupBy(a => a.Name, StringComparer.Ordinal))
        {
            // A name the server sends is checked before anything is written: no rooted paths, no '..', inside DIR.
            if (!ArtifactInfo.IsSafeFileName(group.Key))
            {
                context.Error($"refusing artifact name '{group.Key}' from the coordinator: it is not a relative path inside {outDir}; nothing was downloaded");
                return ExitCodes.Failure;
            }
            // Several checkpoints share a name (one per step kept): the newest keeps it, older ones get their step.
            var newestFirst = group.OrderByDescending(a => a.Step).ToList();
            for (var i = 0; i < newestFirst.Count; i++)
            {
                var name = i == 0 ? group.Key : WithStep(group.Key, newestFirst[i].Step);
                var path = Path.GetFullPath(Path.Combine(root, name));
                if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    context.Error($"refusing artifact name '{group.Key}' from the coordinator: it leads outside {outDir}; nothing was downloaded");
                    return ExitCodes.Failure;
                }
                plan.Add((newestFirst[i], name, path));
            }
        }

        var done = new List<DownloadedFileDto>();
        foreach (var (artifact, name, path) in plan.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                context.Error($"cannot create {Path.GetDirectoryName(path)}: {e.Message}");
                return ExitCodes.Failure;
            }
            if (await client.DownloadArtifactAsync(id, trial, artifact, path, ct) is { } error)
            {
                context.Error($"{name}: {error.Message}");
                if (done.Count > 0) context.Error($"{Format.Count(done.Count, "file")} were downloaded to {outDir} before that");
                return ExitCodes.Failure;
            }
            done.Add(new DownloadedFileDto(name, path, artifact.Kind, artifact.Size, artifact.Sha256, artifact.Step));
            if (!context.Command.Json) context.Out.WriteLine($"{name}  ({ByteSizes.Format(artifact.Size)}, sha256 verified)");
        }

        if (context.Command.Json)
            context.WriteJson(JsonSerializer.Serialize(new DownloadedDto(root, done), ApiJson.Options));
        else
            context.Out.WriteLine($"downloaded {Format.Count(done.Count, "file")} ({ByteSizes.Format(done.Sum(f => f.Size))}) of trial {trial} of sweep {id} to {outDir}");
        return ExitCodes.Ok;
    }

    /// <summary><c>checkpoint.safetensors</c> at step 50 → <c>checkpoint.step-50.safetensors</c>.</summary>
    internal static string WithStep(string name, long step)
    {
        var slash = name.LastIndexOf('/') + 1;
        var dot = name.LastIndexOf('.');
        var suffix = $".step-{step.ToString(CultureInfo.InvariantCulture)}";
        return dot > slash ? name[..dot] + suffix + name[dot..] : name + suffix;
    }
}
