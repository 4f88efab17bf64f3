using System.Globalization;
using System.Net;
using System.Text;

namespace Atelier.Coordinator.Reports.Render;

/// <summary>Writes SVG elements into a string: numbers with one decimal, text escaped.</summary>
public sealed class SvgWriter
{
    private readonly StringBuilder _text = new();

    public SvgWriter(int width, int height, string label, string? cssClass = null)
    {
        Width = width;
        Height = height;
        _text.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{Escape(label)}\" class=\"chart{(cssClass is null ? "" : " " + cssClass)}\">");
        _text.Append("<title>").Append(Escape(label)).Append("</title>");
    }

    public int Width { get; }
    public int Height { get; }

    public static string N(double v) => double.IsFinite(v) ? Math.Round(v, 1).ToString("0.#", CultureInfo.InvariantCulture) : "0";

    public static string Escape(string text) => WebUtility.HtmlEncode(text);

    public SvgWriter Raw(string markup)
    {
        _text.Append(markup);
        return this;
    }

    public SvgWriter Line(double x1, double y1, double x2, double y2, string cssClass, string? stroke = null) =>
        Raw($"<line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" class=\"{cssClass}\"{Attr("stroke", stroke)}/>");

    public SvgWriter Text(double x, double y, string text, string cssClass, string anchor = "middle", double? rotate = null) =>
        Raw($"<text x=\"{N(x)}\" y=\"{N(y)}\" text-anchor=\"{anchor}\" class=\"{cssClass}\"" +
            (rotate is { } r ? $" transform=\"rotate({N(r)} {N(x)} {N(y)})\"" : "") + $">{Escape(text)}</text>");

    public SvgWriter Rect(double x, double y, double w, double h, string cssClass, string? fill = null, string? tooltip = null) =>
        Raw($"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(Math.Max(0, w))}\" height=\"{N(Math.Max(0, h))}\" class=\"{cssClass}\"{Attr("fill", fill)}" +
            (tooltip is null ? "/>" : $"><title>{Escape(tooltip)}</title></rect>"));

    /// <summary>A marker: a circle, or a square / triangle so that status does not rest on colour alone.</summary>
    public SvgWriter Marker(double x, double y, double r, string shape, string fill, string cssClass, string? tooltip, string? data = null)
    {
        var body = shape switch
        {
            "square" => $"<rect x=\"{N(x - r)}\" y=\"{N(y - r)}\" width=\"{N(2 * r)}\" height=\"{N(2 * r)}\"",
            "triangle" => $"<path d=\"M{N(x)} {N(y - r * 1.2)}L{N(x + r * 1.1)} {N(y + r * 0.8)}L{N(x - r * 1.1)} {N(y + r * 0.8)}Z\"",
            _ => $"<circle cx=\"{N(x)}\" cy=\"{N(y)}\" r=\"{N(r)}\"",
        };
        return Raw(body + $" fill=\"{fill}\" class=\"{cssClass}\"{(data is null ? "" : " " + data)}" +
            (tooltip is null ? "/>" : $"><title>{Escape(tooltip)}</title>{CloseTag(shape)}"));
    }

    /// <summary>A polyline through <paramref name="points"/>.</summary>
    public SvgWriter Path(IEnumerable<(double X, double Y)> points, string cssClass, string? stroke = null, string? tooltip = null)
    {
        var d = new StringBuilder();
        var first = true;
        foreach (var (x, y) in points)
        {
            if (!double.IsFinite(x) || !double.IsFinite(y)) continue;
            d.Append(first ? 'M' : 'L').Append(N(x)).Append(' ').Append(N(y));
            first = false;
        }
        if (first) return this;
        return Raw($"<path d=\"{d}\" class=\"{cssClass}\"{Attr("stroke", stroke)}" +
            (tooltip is null ? "/>" : $"><title>{Escape(tooltip)}</title></path>"));
    }

    public override string ToString() => _text + "</svg>";

    private static string Attr(string name, string? value) => value is null ? "" : $" {name}=\"{value}\"";

    private static string CloseTag(string shape) => shape switch
    {
        "square" => "</rect>",
        "triangle" => "</path>",
        _ => "</circle>",
    };
}
