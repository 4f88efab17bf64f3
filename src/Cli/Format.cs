using System.Globalization;
using Atelier.Contracts.Jobs;
using Atelier.Contracts.Specs;

namespace Atelier.Cli;

/// <summary>Compact, culture-invariant text for numbers, values, times and long messages.</summary>
internal static class Format
{
    /// <summary>What an empty cell shows.</summary>
    public const string None = "-";

    /// <summary>A number in at most six significant digits (G6).</summary>
    public static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>A number, or <see cref="None"/>.</summary>
    public static string Number(double? value) => value is { } v ? Number(v) : None;

    /// <summary>A parameter value: floats as G6, everything else as written.</summary>
    public static string Value(ParamValue value) => value.Kind == ParamType.Float ? Number(value.AsDouble()) : value.ToString();

    /// <summary>A point in time in <paramref name="zone"/>, to the second.</summary>
    public static string Time(DateTimeOffset time, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(time, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>A duration such as <c>850ms</c>, <c>4.2s</c>, <c>3m12s</c> or <c>2h05m</c>.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span.TotalSeconds < 1) return $"{(int)span.TotalMilliseconds}ms";
        if (span.TotalMinutes < 1) return span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + "s";
        if (span.TotalHours < 1) return $"{(int)span.TotalMinutes}m{span.Seconds:00}s";
        return $"{(int)span.TotalHours}h{span.Minutes:00}m";
    }

    /// <summary>One line of at most <paramref name="max"/> characters: line breaks become spaces, the rest is cut with "...".</summary>
    public static string Truncate(string? text, int max)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var line = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= max ? line : line[..Math.Max(0, max - 3)].TrimEnd() + "...";
    }

    /// <summary>"1 trial" / "3 trials".</summary>
    public static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
