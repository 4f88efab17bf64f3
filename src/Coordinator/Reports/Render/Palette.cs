namespace Atelier.Coordinator.Reports.Render;

/// <summary>
/// The Okabe–Ito palette (safe for the common colour-vision deficiencies), plus a neutral grey for context.
/// Meaning never rests on colour alone: the best trial is also drawn thicker and with a ring, statuses differ by marker shape.
/// </summary>
public static class Palette
{
    public const string Black = "#000000";
    public const string Orange = "#E69F00";
    public const string SkyBlue = "#56B4E9";
    public const string BluishGreen = "#009E73";
    public const string Yellow = "#F0E442";
    public const string Blue = "#0072B2";
    public const string Vermillion = "#D55E00";
    public const string ReddishPurple = "#CC79A7";
    public const string Grey = "#8C8C8C";

    /// <summary>The best trial, everywhere.</summary>
    public const string Best = Vermillion;

    /// <summary>
    /// A sequential colour for <paramref name="t"/> in [0, 1]: viridis, dark purple (0) through teal to yellow (1), even in
    /// lightness and readable with colour-vision deficiencies.
    /// </summary>
    public static string Sequential(double t)
    {
        ReadOnlySpan<(double R, double G, double B)> stops =
            [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)];
        var x = Math.Clamp(double.IsFinite(t) ? t : 0, 0, 1) * (stops.Length - 1);
        var i = Math.Min((int)x, stops.Length - 2);
        var f = x - i;
        int Mix(double a, double b) => (int)Math.Round(a + (b - a) * f);
        return $"#{Mix(stops[i].R, stops[i + 1].R):X2}{Mix(stops[i].G, stops[i + 1].G):X2}{Mix(stops[i].B, stops[i + 1].B):X2}";
    }

    /// <summary>Series colours in order (black is kept for text and axes).</summary>
    public static readonly IReadOnlyList<string> Series = [Blue, Orange, BluishGreen, ReddishPurple, SkyBlue, Vermillion, Yellow];
}
