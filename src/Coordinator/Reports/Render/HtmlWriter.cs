using System.Globalization;
using System.Net;
using System.Text;

namespace Atelier.Coordinator.Reports.Render;

/// <summary>A string builder for HTML: text is always escaped unless written with <see cref="Raw"/>.</summary>
public sealed class HtmlWriter
{
    private readonly StringBuilder _text = new(1 << 16);

    public HtmlWriter Raw(string markup)
    {
        _text.Append(markup);
        return this;
    }

    public HtmlWriter Text(string text)
    {
        _text.Append(WebUtility.HtmlEncode(text));
        return this;
    }

    /// <summary><c>&lt;tag class="…"&gt;text&lt;/tag&gt;</c>.</summary>
    public HtmlWriter Element(string tag, string text, string? cssClass = null) =>
        Raw($"<{tag}{(cssClass is null ? "" : $" class=\"{cssClass}\"")}>").Text(text).Raw($"</{tag}>");

    public static string Escape(string text) => WebUtility.HtmlEncode(text);

    public static string Invariant(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public int Length => _text.Length;

    public override string ToString() => _text.ToString();
}
