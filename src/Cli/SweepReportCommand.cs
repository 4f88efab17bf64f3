using System.Text.Json;
using Atelier.Contracts.Api;
using Atelier.Contracts.Text;

namespace Atelier.Cli;

/// <summary>
/// <c>pbm sweep report ID [--out DIR] [--views TRIAL]</c>: downloads the sweep's report.html, report.json and trials.csv
/// into DIR (default: ./ID), each written whole or not at all; with <c>--views</c>, the report shows that trial's layer
/// views instead of the best trial's.
/// </summary>
internal static class SweepReportCommand
{
    /// <summary><c>pbm sweep report</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("sweep", "report", RunAsync)
    {
        Operands = [new("ID", "missing the sweep ID whose report to download (see pbm sweep list)")],
        Options = [[CommandOptions.Out], [CommandOptions.Views]],
        Summary = "download the report: report.html, report.json, trials.csv (--out DIR,\n--views TRIAL: that trial's layer views instead of the best's)",
        About = """
        download a sweep's report: report.html (one self-contained page: summary, best
        trial, charts, pictures for style transfer, what each layer sees, a sortable table of trials;
        opens offline), report.json (the same data; schema docs/report.schema.json) and trials.csv (one
        row per trial). While the sweep runs the report is live (as of now); once it has ended it is final.
        """,
        Details = """
        Options:
          --out DIR       write the three files into DIR (created if needed; files of the same name are
                          replaced); default: a directory named ID in the current directory
          --views TRIAL   show trial TRIAL's layer views ("what each layer sees": cifar-vgg19 and
                          style-transfer pictures) instead of the best trial's; TRIAL is the trial's index,
                          as pbm sweep show ID lists it (an unknown trial is exit 1)
          --json          print what was written: {sweepId, directory, final, files: [{name, path, size}],
                          views}

        The coordinator serves the same files at GET /api/sweeps/ID/report.html, /report.json and
        /trials.csv; ?views=TRIAL on the first two does what --views does.
        """,
    };

    /// <summary>The files, in the order they are fetched.</summary>
    public static readonly IReadOnlyList<string> Files = ["report.json", "report.html", "trials.csv"];

    /// <summary>What <c>--json</c> prints.</summary>
    internal sealed record WrittenDto(string SweepId, string Directory, bool Final, IReadOnlyList<WrittenFileDto> Files, int? Views = null);

    internal sealed record WrittenFileDto(string Name, string Path, long Size);

    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        if (context.SweepIdArgument() is not { } id) return ExitCodes.Usage;
        var outDir = context.Command.Out ?? id;
        var root = Path.GetFullPath(outDir);

        var views = context.Command.Views;
        using var client = context.CreateClient();
        var texts = new List<(string Name, string Text)>();
        foreach (var name in Files)
        {
            // trials.csv is the same whichever trial's views the page shows.
            var query = views is { } trial && name != "trials.csv" ? $"?views={trial}" : "";
            var (text, error) = await client.GetTextAsync($"api/sweeps/{Uri.EscapeDataString(id)}/{name}{query}", ct);
            if (error is not null) return context.Fail(error);
            texts.Add((name, text!));
        }

        var written = new List<WrittenFileDto>();
        try
        {
            Directory.CreateDirectory(root);
            foreach (var (name, text) in texts)
            {
                var path = Path.Combine(root, name);
                var temp = $"{path}.{Guid.NewGuid():N}.part";
                await File.WriteAllTextAsync(temp, text, ct);
                File.Move(temp, path, overwrite: true);
                written.Add(new WrittenFileDto(name, path, new FileInfo(path).Length));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Error($"cannot write the report into {outDir}: {e.Message}");
            return ExitCodes.Failure;
        }

        var final = IsFinal(texts[0].Text);
        if (context.Command.Json)
        {
            context.WriteJson(JsonSerializer.Serialize(new WrittenDto(id, root, final, written, views), ApiJson.Options));
            return ExitCodes.Ok;
        }
        foreach (var file in written) context.Out.WriteLine($"{file.Path}  ({ByteSizes.Format(file.Size)})");
        var shown = views is { } t ? $" (with the layer views of trial {t})" : "";
        context.Out.WriteLine($"wrote the {(final ? "final" : "live")} report of sweep {id}{shown} to {outDir}; open {Path.Combine(outDir, "report.html")} in a browser");
        return ExitCodes.Ok;
    }

    private static bool IsFinal(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("final", out var final) && final.ValueKind == JsonValueKind.True;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
