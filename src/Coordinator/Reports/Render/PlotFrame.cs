namespace Atelier.Coordinator.Reports.Render;

/// <summary>A chart's canvas: the plot area inside margins, its scales, axes with ticks, labels and grid lines.</summary>
public sealed class PlotFrame
{
    public const int Left = 70, Right = 18, Top = 46, Bottom = 50;

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
    public void Axes(Scale? x, Scale y, string xLabel, string yLabel, IReadOnlyList<string>? categories = null)
    {
        foreach (var t in y.Ticks())
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
        else if (categories is not null)
        {
            var every = Math.Max(1, (int)Math.Ceiling(categories.Count / 12.0));
            for (var i = 0; i < categories.Count; i += every)
                Svg.Text(Category(i, categories.Count), YBottom + 18, Shorten(categories[i]), "tick");
        }
        Svg.Text((X0 + X1) / 2, Svg.Height - 10, xLabel + (x?.IsLog == true ? " (log scale)" : ""), "axis-label");
        Svg.Text(16, (YTop + YBottom) / 2, yLabel + (y.IsLog ? " (log scale)" : ""), "axis-label", rotate: -90);
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

    private static string Shorten(string s) => s.Length <= 14 ? s : s[..13] + "…";
}
