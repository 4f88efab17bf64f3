using System.Globalization;
using System.Text.RegularExpressions;
using Atelier.Contracts.Api;
using Atelier.Contracts.Jobs;

namespace Atelier.Coordinator.Reports.Model;

/// <summary>
/// "What each layer sees": one trial's layer-view pictures (<see cref="LayerViews"/>) in reading order, each with a
/// caption from its file name. cifar-vgg19: <c>block1</c> … <c>block5</c>, then <c>top-images</c>; style-transfer:
/// <c>content-layer</c>, then <c>gram-LAYER</c> in the order the job reported them (its style layers' order).
/// </summary>
public static partial class LayerViewSections
{
    /// <summary>
    /// The views of trial <paramref name="requested"/>, else of the best trial. Null when none was requested and the
    /// best trial has no pictures (or there is no best trial); a requested trial without pictures gets an empty list,
    /// so that the page can say so.
    /// </summary>
    public static LayerViewSection? Build(IReadOnlyList<ReportTrial> trials, int? best, int? requested)
    {
        if ((requested ?? best) is not { } index) return null;
        var trial = trials.FirstOrDefault(t => t.Index == index);
        var views = trial is null ? [] : Latest(trial);
        var pictures = views.Where(v => StyleSections.IsPicture(v.Artifact))
            .OrderBy(v => Rank(v.Artifact)).ThenBy(v => v.First)
            .Select(v => new LayerViewPicture(Caption(v.Artifact, trial!, views), v.Artifact))
            .ToList();
        if (pictures.Count == 0 && requested is null) return null;
        var manifest = views.Where(v => BaseName(v.Artifact) == LayerViews.Manifest).Select(v => (ArtifactInfo?)v.Artifact).FirstOrDefault();
        return new LayerViewSection(index, requested is not null, pictures, manifest);
    }

    /// <summary>The newest layer view of each name (a retried trial reports them again), with where its name first appears.</summary>
    private static List<(int First, ArtifactInfo Artifact)> Latest(ReportTrial trial)
    {
        var latest = new Dictionary<string, int>(StringComparer.Ordinal);
        var views = new List<(int First, ArtifactInfo Artifact)>();
        for (var n = 0; n < trial.Artifacts.Count; n++)
        {
            var a = trial.Artifacts[n];
            if (a.Kind != LayerViews.ArtifactKind) continue;
            if (!latest.TryGetValue(a.FileName, out var at))
            {
                latest[a.FileName] = views.Count;
                views.Add((n, a));
            }
            else if (a.Step >= views[at].Artifact.Step) views[at] = (views[at].First, a);
        }
        return views;
    }

    /// <summary>Reading order: the cifar blocks by number, the top images, the content layer, the Gram matrices, anything else.</summary>
    private static (int Group, int Number) Rank(ArtifactInfo a)
    {
        var name = BaseName(a);
        if (Block().Match(name) is { Success: true } m) return (0, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        return name switch
        {
            "top-images" => (1, 0),
            "content-layer" => (2, 0),
            _ when name.StartsWith("gram-", StringComparison.Ordinal) => (3, 0),
            _ => (4, 0),
        };
    }

    private static string Caption(ArtifactInfo a, ReportTrial trial, List<(int First, ArtifactInfo Artifact)> views)
    {
        var name = BaseName(a);
        if (Block().Match(name) is { Success: true } m)
        {
            return $"block {m.Groups[1].Value}: the {LayerViews.CifarChannels} strongest channels of its output for {LayerViews.CifarImages} fixed test images "
                + "(a row per image: the image, then its channels as heat maps)";
        }
        if (name == "top-images")
        {
            var last = views.Select(v => Block().Match(BaseName(v.Artifact))).Where(b => b.Success)
                .Select(b => int.Parse(b.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(5).Max();
            return $"the test images that most activate {LayerViews.CifarTopChannels} channels of block {last} (a row per channel, the most selective first)";
        }
        if (name == "content-layer")
        {
            var layer = trial.Parameters.TryGetValue("content_layer", out var v) ? $" {v}" : "";
            return $"content layer{layer}: the {LayerViews.StyleChannels} strongest channels for the content image (top) and the result (bottom)";
        }
        if (name.StartsWith("gram-", StringComparison.Ordinal))
            return $"Gram matrix at {name["gram-".Length..]}: style image (left), result (right), on one colour scale";
        return a.FileName;
    }

    /// <summary><c>views/gram-relu1_1.png</c> → <c>gram-relu1_1</c>; <c>views/views.json</c> → <c>views.json</c>.</summary>
    private static string BaseName(ArtifactInfo a)
    {
        var file = a.FileName[(a.FileName.LastIndexOf('/') + 1)..];
        return StyleSections.IsPicture(a) ? Path.GetFileNameWithoutExtension(file) : file;
    }

    [GeneratedRegex(@"^block(\d{1,3})$")]
    private static partial Regex Block();
}
