using System.Text.RegularExpressions;
using Atelier.Contracts.Api;

namespace Atelier.Coordinator.Reports.Model;

/// <summary>The style-transfer part of a report: inputs, picture grids over the weights, progress strips.</summary>
public static partial class StyleSections
{
    /// <summary>The artifact names under which the job reports its inputs.</summary>
    public const string ContentInput = "inputs/content.png", StyleInput = "inputs/style.png";

    public static StyleSection Build(IReadOnlyList<ReportParameter> parameters, IReadOnlyList<ReportTrial> trials,
        IComparer<ReportTrial> better, ReportLimits limits)
    {
        var (column, row, grids) = PictureGrids.Build(parameters, trials, Result, better);
        var withPreviews = trials.Where(t => Previews(t).Any()).ToList();
        var chosen = withPreviews.Count <= limits.MaxStrips
            ? withPreviews
            : withPreviews.Order(better).Take(limits.MaxStrips).ToList();
        var strips = chosen.Select(t => new ProgressStrip(t.Index, Sample(Frames(t), limits.MaxFramesPerStrip))).ToList();
        return new StyleSection(Input(trials, ContentInput), Input(trials, StyleInput), column, row, grids, strips,
            withPreviews.Count - chosen.Count);
    }

    /// <summary>A trial's result picture (<c>result.png</c>), else its latest preview.</summary>
    public static ArtifactInfo? Result(ReportTrial trial) =>
        trial.Artifacts.LastOrDefault(a => a.Kind == "result" && IsPicture(a))
        ?? Previews(trial).LastOrDefault();

    /// <summary>Previews in step order, then the result.</summary>
    public static IReadOnlyList<ArtifactInfo> Frames(ReportTrial trial)
    {
        var frames = Previews(trial).ToList();
        if (trial.Artifacts.LastOrDefault(a => a.Kind == "result" && IsPicture(a)) is { } result) frames.Add(result);
        return frames;
    }

    /// <summary>The step a preview shows: the number in <c>step-NNNN.png</c>, else the step it was reported at.</summary>
    public static long StepOf(ArtifactInfo a) =>
        StepInName().Match(a.FileName) is { Success: true } m && long.TryParse(m.Groups[1].Value, out var s) ? s : a.Step;

    public static bool IsPicture(ArtifactInfo a) =>
        a.FileName.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || a.FileName.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)
        || a.FileName.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase);

    /// <summary>At most <paramref name="max"/> frames, evenly spread, always keeping the first and the last.</summary>
    public static IReadOnlyList<ArtifactInfo> Sample(IReadOnlyList<ArtifactInfo> frames, int max)
    {
        if (frames.Count <= max) return frames;
        if (max < 2) return [frames[^1]];
        return Enumerable.Range(0, max).Select(i => frames[(int)Math.Round(i * (frames.Count - 1) / (double)(max - 1))]).Distinct().ToList();
    }

    private static IEnumerable<ArtifactInfo> Previews(ReportTrial trial) =>
        trial.Artifacts.Where(a => a.Kind == "preview" && IsPicture(a)).OrderBy(StepOf);

    private static ArtifactInfo? Input(IReadOnlyList<ReportTrial> trials, string name) =>
        trials.SelectMany(t => t.Artifacts).FirstOrDefault(a => a.FileName == name && IsPicture(a));

    [GeneratedRegex(@"step-(\d+)\.\w+$")]
    private static partial Regex StepInName();
}
