namespace Atelier.Contracts.Text;

/// <summary>Byte sizes such as <c>50MiB</c>, <c>512KiB</c>, <c>2GB</c> or a plain number of bytes.</summary>
public static class ByteSizes
{
    private static readonly (string Suffix, long Factor)[] Units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("KB", 1000L), ("MB", 1000L * 1000), ("GB", 1000L * 1000 * 1000), ("B", 1L),
    ];

    /// <summary>The number of bytes <paramref name="text"/> means, or null when it is not a size.</summary>
    public static long? Parse(string text)
    {
        var t = text.Trim();
        long factor = 1;
        foreach (var (suffix, f) in Units)
        {
            if (!t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) continue;
            t = t[..^suffix.Length].TrimEnd();
            factor = f;
            break;
        }
        if (!double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
            || !double.IsFinite(number) || number < 0 || number * factor > long.MaxValue / 2)
            return null;
        return (long)Math.Round(number * factor);
    }

    /// <summary>e.g. <c>50 MiB</c>, <c>1.5 KiB</c>, <c>300 bytes</c>.</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => Unit(bytes, 1L << 30, "GiB"),
        >= 1L << 20 => Unit(bytes, 1L << 20, "MiB"),
        >= 1L << 10 => Unit(bytes, 1L << 10, "KiB"),
        1 => "1 byte",
        _ => $"{bytes} bytes",
    };

    private static string Unit(long bytes, long factor, string unit) =>
        ((double)bytes / factor).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) + " " + unit;
}
