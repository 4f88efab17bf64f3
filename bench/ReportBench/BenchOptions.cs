using System.Globalization;

namespace Atelier.ReportBench;

/// <summary>The benchmark's options: <c>--trials N --size PX --previews N --steps N --runs N --keep DIR</c>.</summary>
public sealed record BenchOptions(int Trials = 1000, int Size = 256, int Previews = 5, int Steps = 300, int Runs = 5, string? Keep = null)
{
    public const string Usage = "usage: ReportBench [--trials 1000] [--size 256] [--previews 5] [--steps 300] [--runs 5] [--keep DIR]";

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value; {Usage}");
            int Int() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw new ArgumentException($"{args[i - 1]} needs a positive integer; {Usage}");
            options = args[i] switch
            {
                "--trials" => options with { Trials = Int() },
                "--size" => options with { Size = Int() },
                "--previews" => options with { Previews = Int() },
                "--steps" => options with { Steps = Int() },
                "--runs" => options with { Runs = Int() },
                "--keep" => options with { Keep = Value() },
                _ => throw new ArgumentException($"unknown option '{args[i]}'; {Usage}"),
            };
        }
        return options;
    }
}
