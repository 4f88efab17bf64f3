using Atelier.Contracts.Specs;
using Atelier.Contracts.Text;

namespace Atelier.Cli;

/// <summary>
/// A sweep spec file as <c>pbm sweep submit</c> and <c>pbm sweep extend</c> check it before anything is sent: read,
/// parsed with the coordinator's own parser, and its local input files found and hashed.
/// </summary>
/// <param name="File">The path as given on the command line (it prefixes every error line).</param>
internal sealed record LocalSpec(string File, string Yaml, SweepSpec Spec, SpecUploads Uploads)
{
    /// <summary>
    /// Reads and checks <paramref name="file"/>; null after printing every problem (exit 2: nothing was sent).
    /// <paramref name="verb"/> ("submit", "extend") ends the advice: "fix them and submit again".
    /// </summary>
    public static async Task<LocalSpec?> LoadAsync(CommandContext context, string file, string verb, CancellationToken ct)
    {
        var yaml = await ReadAsync(context, file, ct);
        if (yaml is null)
            return null;

        var parsed = SweepSpecParser.Parse(yaml);
        if (!parsed.IsValid)
        {
            foreach (var e in parsed.Errors)
                context.Err.WriteLine(CommandContext.DetailLine(e.Field, e.Message, e.Line, file));
            context.Error($"{file} has {Format.Count(parsed.Errors.Count, "problem")}: fix {(parsed.Errors.Count == 1 ? "it" : "them")} and {verb} again (nothing was sent)");
            return null;
        }

        var uploads = await SpecUploads.PrepareAsync(file, yaml, parsed.Spec!, context.Host.HomeDirectory, ct);
        if (uploads.Errors.Count > 0)
        {
            foreach (var e in uploads.Errors)
                context.Err.WriteLine(CommandContext.DetailLine(e.Field, e.Message, e.Line, file));
            context.Error($"{file} names {Format.Count(uploads.Errors.Count, "input")} pbm cannot upload: fix {(uploads.Errors.Count == 1 ? "it" : "them")} and {verb} again (nothing was sent)");
            return null;
        }
        return new LocalSpec(file, yaml, parsed.Spec!, uploads);
    }

    /// <summary>The YAML to send: every local input file replaced by its <c>sha256:HEX</c> reference.</summary>
    public string YamlToSend => Uploads.Rewrite(Yaml);

    /// <summary>
    /// Uploads each input file once (by content), printing a line per file unless <c>--json</c>; null when all
    /// arrived, else the error's exit code after printing it (<paramref name="notDone"/> ends the message, e.g.
    /// "the sweep was not submitted").
    /// </summary>
    public async Task<int?> UploadInputsAsync(CommandContext context, CoordinatorClient client, string notDone, CancellationToken ct)
    {
        // Each file once, by content: the spec the coordinator stores names them only by hash.
        foreach (var input in Uploads.Distinct)
        {
            var uploaded = await client.UploadInputAsync(input.FullPath, Path.GetFileName(input.FullPath), input.Sha256, ct);
            if (uploaded.Error is { } uploadError)
                return context.Fail(uploadError with { Message = $"uploading {input.Display}: {uploadError.Message} ({notDone})" });
            if (!context.Command.Json)
            {
                var how = uploaded.Value!.Existed ? "already on the coordinator" : "uploaded";
                context.Out.WriteLine($"input {input.Display} ({ByteSizes.Format(input.Size)}): {how} as sha256:{input.Sha256}");
            }
        }
        return null;
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
            return await System.IO.File.ReadAllTextAsync(full, ct);
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
}
