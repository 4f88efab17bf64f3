using System.Globalization;
using System.Security.Cryptography;
using Atelier.Coordinator.Artifacts;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Atelier.ReportBench;

/// <summary>
/// A finished style-transfer grid sweep as the API would show it: three weights with ∛N values each, every trial with
/// <c>--steps</c> loss points, <c>--previews</c> preview PNGs and a result PNG in a real content-addressed store.
/// Pictures are smooth colour fields with noise (they compress about as badly as real photos).
/// </summary>
public static class SyntheticSweep
{
    public static SweepDto Create(BenchOptions options, ArtifactStore store)
    {
        var side = (int)Math.Ceiling(Math.Cbrt(options.Trials));
        var contents = Enumerable.Range(0, side).Select(i => Math.Pow(10, -1 + 3.0 * i / Math.Max(1, side - 1))).ToList();
        var styles = Enumerable.Range(0, side).Select(i => Math.Pow(10, 3 + 4.0 * i / Math.Max(1, side - 1))).ToList();
        var tvs = Enumerable.Range(0, side).Select(i => 0.001 * i).ToList();
        string List(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        var yaml = $"""
            name: bench-style
            job: style-transfer
            method: grid
            run_cap: {options.Trials}
            metric: {"{"}name: total_loss, goal: minimize{"}"}
            parameters:
              content_weight: {"{"}values: [{List(contents)}]{"}"}
              style_weight: {"{"}values: [{List(styles)}]{"}"}
              tv_weight: {"{"}values: [{List(tvs)}]{"}"}
              iterations: {"{"}value: {options.Steps}{"}"}
            """;
        var spec = SweepSpecParser.Parse(yaml).Spec ?? throw new InvalidOperationException(string.Join("; ", SweepSpecParser.Parse(yaml).Errors));

        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var combos = (from c in contents from s in styles from t in tvs select (c, s, t)).Take(options.Trials).ToList();
        var trials = new TrialDto[combos.Count];
        Parallel.For(0, combos.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var (c, s, t) = combos[i];
            var random = new Random(i);
            var history = Enumerable.Range(0, options.Steps + 1).Select(step =>
            {
                var decay = Math.Exp(-step / (options.Steps / 4.0));
                var content = c * (0.2 + decay);
                var style = 1e-6 * s * (0.1 + decay);
                var tv = 1000 * (1 + decay);
                return new MetricPoint(step, new Dictionary<string, double>
                {
                    ["content_loss"] = content, ["style_loss"] = style / s, ["tv_loss"] = tv, ["total_loss"] = content + style + t * tv,
                });
            }).ToList();
            var artifacts = new List<ArtifactInfo>();
            for (var p = 1; p <= options.Previews; p++)
            {
                var step = options.Steps * p / options.Previews;
                artifacts.Add(Picture(store, options.Size, i * 100 + p, $"previews/step-{step:D4}.png", "preview", step, random));
            }
            artifacts.Add(Picture(store, options.Size, i * 100, "result.png", "result", options.Steps, random));
            var begin = start.AddSeconds(i * 3);
            trials[i] = new TrialDto(i, TrialStatus.Completed,
                new Dictionary<string, ParamValue>
                {
                    ["content_weight"] = ParamValue.Of(c), ["style_weight"] = ParamValue.Of(s), ["tv_weight"] = ParamValue.Of(t),
                    ["iterations"] = ParamValue.Of((long)options.Steps),
                },
                1, "node/slot-0", history[^1].Values, null, begin, begin.AddSeconds(60 + random.Next(30)), history, 0, options.Steps, artifacts);
        });

        var best = trials.MinBy(t => t.Metrics["total_loss"])!;
        return new SweepDto("bench-style-20260101-000000", spec.Name, spec.Job, "grid", spec.Metric, SweepStatus.Completed,
            new TrialCountsDto(trials.Length, 0, 0, trials.Length, 0), best with { History = null }, start, start.AddHours(10), yaml, trials);
    }

    private static ArtifactInfo Picture(ArtifactStore store, int size, int seed, string name, string kind, long step, Random random)
    {
        using var image = new Image<Rgb24>(size, size);
        var (r0, g0, b0) = (seed * 37 % 256, seed * 91 % 256, seed * 53 % 256);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var n = random.Next(24);
                    row[x] = new Rgb24((byte)((r0 + x + n) & 255), (byte)((g0 + y + n) & 255), (byte)((b0 + (x ^ y) / 4 + n) & 255));
                }
            }
        });
        var temp = store.NewTempFile();
        image.SaveAsPng(temp, new SixLabors.ImageSharp.Formats.Png.PngEncoder { CompressionLevel = SixLabors.ImageSharp.Formats.Png.PngCompressionLevel.BestSpeed });
        var length = new FileInfo(temp).Length;
        string sha;
        using (var stream = File.OpenRead(temp)) sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        var error = store.Commit(temp, sha, length);
        if (error is not null) throw new InvalidOperationException(error);
        return new ArtifactInfo(kind, step, name, sha, length);
    }
}
