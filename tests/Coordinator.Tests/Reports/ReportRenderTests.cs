using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Artifacts;
using Atelier.Coordinator.Reports;
using Atelier.Coordinator.Reports.Pictures;
using Atelier.Shared.Protocol;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static Atelier.Coordinator.Tests.Reports.ReportSamples;

namespace Atelier.Coordinator.Tests.Reports;

public sealed partial class ReportRenderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("atelier-report-").FullName;

    [Fact]
    public void A_style_report_is_one_file_with_charts_a_picture_per_cell_and_nothing_fetched()
    {
        var store = new ArtifactStore(Path.Combine(_dir, "artifacts"));
        var trials = StyleTrials().Select(t => t with { Artifacts = [Store(store, t.Index, "result.png", "result")] }).ToList();
        var sweep = Sweep(StyleYaml, trials, best: 0);
        var cache = new ThumbnailCache(store, Path.Combine(_dir, "thumbs"));
        var files = new ReportRenderer(cache).Render(sweep, T0.AddHours(1));

        Assert.DoesNotMatch(ExternalReference(), files.Html);
        Assert.Equal(24, CountOf(files.Html, "<td class=\"cell"));
        Assert.Equal(24, CountOf(files.Html, "src=\"data:image/jpeg;base64,"));
        // Metric vs each of the three varying parameters, learning curves (none: no history) and parallel coordinates.
        Assert.Equal(3, CountOf(files.Html, "class=\"chart scatter\""));
        Assert.Equal(1, CountOf(files.Html, "class=\"chart parallel\""));
        Assert.Contains("<tr class=\"best\" id=\"trial-0\">", files.Html);
        // Thumbnails are cached on disk by content hash.
        Assert.Equal(24, Directory.GetFiles(cache.Directory, "*.jpg", SearchOption.AllDirectories).Length);

        var lines = files.Csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(25, lines.Length);
        Assert.StartsWith("trial,status,content_weight,style_weight,tv_weight,iterations,total_loss,", lines[0]);
        if (Environment.GetEnvironmentVariable("ATELIER_REPORT_DUMP") is { Length: > 0 } dump) File.WriteAllText(dump, files.Html);
    }

    [Fact]
    public void A_cifar_report_marks_the_reference_and_draws_per_class_accuracy_and_train_vs_test()
    {
        const string yaml = """
            name: wd
            job: cifar-vgg19
            method: grid
            metric: {name: test_accuracy, goal: maximize}
            parameters:
              weight_decay: {values: [1.0e-4, 5.0e-4, 1.0e-3]}
              epochs: {value: 3}
            """;
        var trials = new[] { 1e-4, 5e-4, 1e-3 }.Select((wd, i) =>
        {
            var acc = 0.5 + i / 10.0;
            var history = Enumerable.Range(1, 3).Select(e => new MetricPoint(e, new Dictionary<string, double>
            {
                ["train_accuracy"] = acc * e / 3 + 0.05, ["test_accuracy"] = acc * e / 3, ["train_loss"] = 2.0 / e, ["test_loss"] = 2.2 / e,
            })).ToList();
            var metrics = Enumerable.Range(0, 10).ToDictionary(c => $"test_accuracy_class_{c}", c => acc - c / 50.0);
            metrics["test_accuracy"] = acc;
            return Trial(i, TrialStatus.Completed, P(("weight_decay", wd), ("epochs", 3)), metrics, 30, 3, history);
        }).ToList();
        var files = new ReportRenderer(new ThumbnailCache(new ArtifactStore(Path.Combine(_dir, "a")), Path.Combine(_dir, "t")))
            .Render(Sweep(yaml, trials, best: 2), T0.AddHours(1));

        Assert.Contains("Keras VGG19 reference ≈ 93%", files.Html);
        Assert.Contains("with tuned weight decay: 94.14%", files.Html);
        Assert.Contains("test_accuracy vs weight_decay", files.Html);
        Assert.Contains("trial #2: train vs test accuracy", files.Html);
        Assert.Equal(10, CountOf(files.Html, "class=\"bar\""));
        Assert.Contains(">truck: ", files.Html);
        Assert.DoesNotMatch(ExternalReference(), files.Html);
    }

    [Fact]
    public void A_missing_or_bad_picture_renders_as_no_picture()
    {
        var store = new ArtifactStore(Path.Combine(_dir, "artifacts"));
        var bad = Path.Combine(_dir, "bad.png");
        File.WriteAllText(bad, "not a png");
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(bad)));
        Assert.Null(store.Commit(bad, sha, new FileInfo(bad).Length));
        var cache = new ThumbnailCache(store, Path.Combine(_dir, "thumbs"));
        Assert.Null(cache.DataUri(new ArtifactInfo("result", 1, "result.png", sha, 9), 64));
        Assert.Null(cache.DataUri(new ArtifactInfo("result", 1, "result.png", new string('a', 64), 9), 64));
    }

    /// <summary>A 64×48 gradient PNG, different per trial, put in the store.</summary>
    internal static ArtifactInfo Store(ArtifactStore store, int seed, string name, string kind)
    {
        using var image = new Image<Rgb24>(64, 48);
        for (var y = 0; y < image.Height; y++)
        for (var x = 0; x < image.Width; x++)
            image[x, y] = new Rgb24((byte)(x * 4 + seed * 10), (byte)(y * 5), (byte)(seed * 37));
        var temp = store.NewTempFile();
        image.SaveAsPng(temp);
        var bytes = File.ReadAllBytes(temp);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Null(store.Commit(temp, sha, bytes.Length));
        return new ArtifactInfo(kind, 10, name, sha, bytes.Length);
    }

    private static int CountOf(string text, string part) => Regex.Count(text, Regex.Escape(part));

    // Anything the browser would fetch: src/href to http(s), protocol-relative URLs, url(...) in CSS, @import.
    [GeneratedRegex(@"(src|href)\s*=\s*""(https?:|//)|url\(|@import", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
