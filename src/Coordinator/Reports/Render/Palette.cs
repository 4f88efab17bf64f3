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

    /// <summary>Series colours in order (black is kept for text and axes).</summary>
    public static readonly IReadOnlyList<string> Series = [Blue, Orange, BluishGreen, ReddishPurple, SkyBlue, Vermillion, Yellow];
}
