using Atelier.Contracts.Api;
using Atelier.Coordinator.Reports.Model;

namespace Atelier.Coordinator.Reports.Render;

/// <summary>How large each picture of a report is drawn (longer side, pixels): smaller as the grid grows, to keep the file small.</summary>
public static class PictureSizes
{
    public const int Input = 240, StripFrame = 80;

    /// <summary>
    /// Layer views are drawn at their own size (thumbnails never enlarge): their heat-map cells are the point. The widest,
    /// style-transfer's content layer, is 1,172 px; cifar's block grids are 596 × 266, the Gram pairs 518 × 262.
    /// </summary>
    public const int LayerView = 1200;

    public static int GridCell(StyleSection style)
    {
        var cells = style.Grids.Sum(g => g.Cells.Count);
        return cells <= 40 ? 180 : cells <= 200 ? 128 : 96;
    }

    /// <summary>Every picture the page shows, with its size: what to thumbnail before rendering.</summary>
    public static IEnumerable<(ArtifactInfo Picture, int MaxSide)> Needed(SweepReport report)
    {
        foreach (var view in report.Views?.Pictures ?? [])
            yield return (view.Picture, LayerView);
        if (report.Style is not { } style) yield break;
        if (style.Content is { } content) yield return (content, Input);
        if (style.Style is { } s) yield return (s, Input);
        var cell = GridCell(style);
        foreach (var picture in style.Grids.SelectMany(g => g.Cells).Select(c => c.Picture).OfType<ArtifactInfo>())
            yield return (picture, cell);
        foreach (var frame in style.Strips.SelectMany(s => s.Frames))
            yield return (frame, StripFrame);
    }
}
