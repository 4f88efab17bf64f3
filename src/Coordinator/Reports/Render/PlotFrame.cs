namespace Atelier.Coordinator.Reports.Render;

/// <summary>A chart's canvas: the plot area inside margins, its scales, axes with ticks, labels and grid lines.</summary>
public sealed class PlotFrame
{
    public const int Left = 70, Right = 18, Top = 46, Bottom = 50;

    /// <summary>The height of a line of chart text, in pixels: labels closer than this would overlap.</summary>
    public const double TextLine = 13;

    /// <summary>About how wide a character of tick text is (11 px sans-serif), to tell whether labels fit.</summary>
    public const double CharWidth = 6.2;

    public PlotFrame(int width, int height, string title, string? cssClass = null)
    {
        Svg = new SvgWriter(width, height, title, cssClass);
        Svg.Text(width / 2.0, 18, title, "chart-title");
    }

    public SvgWriter Svg { get; }

    public double X0 => Left;
    public double X1 => Svg.Width - Right;
    public double YBottom => Svg.Height - Bottom;
    public double YTop => Top;

    public Scale XScale(IEnumerable<double> values, bool log) => Scale.Over(values, X0, X1, log);

    public Scale YScale(IEnumerable<double> values, bool log = false) => Scale.Over(values, YBottom, YTop, log);

    /// <summary>Centre of category <paramref name="i"/> of <paramref name="count"/> along the x axis.</summary>
    public double Category(int i, int count) => X0 + (X1 - X0) * (i + 0.5) / Math.Max(1, count);

    /// <summary>Draws the y axis with grid lines, and the x axis from <paramref name="x"/> or from category labels.</summary>
    public void Axes(Scale? x, Scale y, string xLabel, string yLabel, IReadOnlyList<string>? categories = null, bool yTicks = true)
    {
        foreach (var t in yTicks ? y.Ticks() : [])
        {
            var py = y.Map(t);
            Svg.Line(X0, py, X1, py, "grid");
            Svg.Text(X0 - 6, py + 4, Scale.Label(t), "tick", "end");
        }
        Svg.Line(X0, YBottom, X1, YBottom, "axis");
        Svg.Line(X0, YBottom, X0, YTop, "axis");
        if (x is not null)
        {
            foreach (var t in x.Ticks())
            {
                var px = x.Map(t);
                Svg.Line(px, YBottom, px, YBottom + 5, "axis");
                Svg.Text(px, YBottom + 18, Scale.Label(t), "tick");
            }
        }
        var staggered = false;
        if (x is null && categories is not null)
        {
            // Labels wider than their category alternate between two rows, so that neighbours never overlap.
            var every = Math.Max(1, (int)Math.Ceiling(categories.Count / 12.0));
            var room = (X1 - X0) / Math.Max(1, categories.Count) * every;
            staggered = categories.Any(c => Shorten(c).Length * CharWidth > room - 4);
            for (var i = 0; i < categories.Count; i += every)
                Svg.Text(Category(i, categories.Count), YBottom + (staggered && i / every % 2 == 1 ? 16 + TextLine : 16), Shorten(categories[i]), "tick");
        }
        Svg.Text((X0 + X1) / 2, Svg.Height - (staggered ? 3 : 10), xLabel + (x?.IsLog == true ? " (log scale)" : ""), "axis-label");
        Svg.Text(16, (YTop + YBottom) / 2, yLabel + (y.IsLog ? " (log scale)" : ""), "axis-label", rotate: -90);
    }

    /// <summary>Categories along both axes (a heat map): x labels as <see cref="Axes"/> writes them, y labels beside each row.</summary>
    public void CategoryAxes(IReadOnlyList<string> across, IReadOnlyList<string> down, string xLabel, string yLabel)
    {
        var h = (YBottom - YTop) / Math.Max(1, down.Count);
        for (var j = 0; j < down.Count; j++)
            Svg.Text(X0 - 6, YBottom - (j + 0.5) * h + 4, Shorten(down[j], 9), "tick", "end");
        Axes(null, new Scale(0, 1, YBottom, YTop, false), xLabel, yLabel, across, yTicks: false);
    }

    /// <summary>A legend in one row above the plot area, right-aligned: a swatch and a label per entry.</summary>
    public void Legend(IReadOnlyList<(string Label, string Color, string Shape)> entries)
    {
        var widths = entries.Select(e => 30 + e.Label.Length * 6.2).ToList();
        var x = X1 - widths.Sum();
        const double y = 34;
        for (var i = 0; i < entries.Count; i++)
        {
            var (label, color, shape) = entries[i];
            if (shape == "line") Svg.Line(x, y, x + 16, y, "legend-line", color);
            else Svg.Marker(x + 8, y, 4.5, shape, color, "legend-marker", null);
            Svg.Text(x + 21, y + 4, label, "legend", "start");
            x += widths[i];
        }
    }

    public override string ToString() => Svg.ToString();

    private static string Shorten(string s, int max = 14) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
