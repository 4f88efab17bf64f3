using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Artifacts;
using Atelier.Coordinator.Reports;
using Atelier.Coordinator.Reports.Pictures;
using Atelier.Contracts.Jobs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static Atelier.Coordinator.Tests.Reports.ReportSamples;

namespace Atelier.Coordinator.Tests.Reports;

/// <summary>"What each layer sees" in report.html: after the job's own section, every picture at its own size, captioned.</summary>
public sealed partial class LayerViewRenderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("atelier-views-").FullName;

    [Fact]
    public void A_cifar_report_shows_the_best_trials_views_after_the_accuracy_section_at_their_own_size()
    {
        var store = new ArtifactStore(Path.Combine(_dir, "artifacts"));
        // A block grid is 596 × 266: nine 64 px cells and their gaps. Reported out of order, as the model test has it.
        var trials = LayerViewModelTests.CifarTrials().Select(t => t.Index != 2 ? t : t with
        {
            Artifacts = LayerViewModelTests.CifarViews.Where(n => n.EndsWith(".png", StringComparison.Ordinal))
                .Select((n, i) => Store(store, n, 596, 266, i)).ToList(),
        }).ToList();
        var files = new ReportRenderer(new ThumbnailCache(store, Path.Combine(_dir, "thumbs"))).Render(Sweep(LayerViewModelTests.CifarYaml, trials, best: 2), T0.AddHours(1));
        var html = files.Html;

        var section = html.IndexOf("<h2 id=\"layer-views\">What each layer sees</h2>", StringComparison.Ordinal);
        Assert.True(section > html.IndexOf("CIFAR-10: accuracy", StringComparison.Ordinal), "the views come after the job's own section");
        Assert.True(section < html.IndexOf("id=\"trials\"", StringComparison.Ordinal), "the views come before the trial table");
        var views = html[section..html.IndexOf("</div>", section, StringComparison.Ordinal)];
        Assert.Equal(["block1", "block2", "block3", "block4", "block5", "top-images"], FigureIds().Matches(views).Select(m => m.Groups[1].Value));
        Assert.Contains("<figcaption>block 3: the 8 strongest channels of its output for 4 fixed test images", views);
        Assert.Contains("The best trial, #2", views);
        // Drawn at its own size: neither shrunk nor enlarged.
        var uris = DataUris().Matches(views).Select(m => Convert.FromBase64String(m.Groups[1].Value)).ToList();
        Assert.Equal(6, uris.Count);
        Assert.All(uris, jpeg => Assert.Equal((596, 266), Size(jpeg)));
        var note = html[section..];
        Assert.Contains($"pbm sweep report {files.Model.Sweep.Id} --views TRIAL", note);
        Assert.Contains("report.html?views=TRIAL", note);
        Assert.Contains("views/views.json", note);
    }

    [Fact]
    public void A_requested_trial_without_views_says_so_and_a_sweep_without_views_has_no_section()
    {
        var store = new ArtifactStore(Path.Combine(_dir, "artifacts"));
        var renderer = new ReportRenderer(new ThumbnailCache(store, Path.Combine(_dir, "thumbs")));
        var sweep = Sweep(LayerViewModelTests.CifarYaml, LayerViewModelTests.CifarTrials(), best: 2);

        Assert.DoesNotContain("layer-views", renderer.Render(sweep, T0).Html);
        var requested = renderer.Render(sweep, T0, views: 1).Html;
        Assert.Contains("<h2 id=\"layer-views\">What each layer sees</h2>", requested);
        Assert.Contains("Trial #1 has no layer views", requested);
    }

    [Fact]
    public void A_style_report_shows_the_content_layer_and_grams_after_its_progress_strips()
    {
        var store = new ArtifactStore(Path.Combine(_dir, "artifacts"));
        var trials = StyleTrials().Select(t => t.Index != 0 ? t : t with
        {
            Artifacts = [.. t.Artifacts!, Store(store, "views/content-layer.png", 1172, 262, 1), Store(store, "views/gram-relu1_1.png", 518, 262, 2),
                Store(store, "views/gram-relu2_1.png", 518, 262, 3)],
        }).ToList();
        var html = new ReportRenderer(new ThumbnailCache(store, Path.Combine(_dir, "thumbs"))).Render(Sweep(StyleYaml, trials, best: 0), T0).Html;

        var section = html.IndexOf("id=\"layer-views\"", StringComparison.Ordinal);
        Assert.True(section > html.IndexOf("id=\"strips\"", StringComparison.Ordinal));
        Assert.Equal(["content-layer", "gram-relu1_1", "gram-relu2_1"], FigureIds().Matches(html[section..]).Select(m => m.Groups[1].Value));
        Assert.Contains("<figcaption>Gram matrix at relu2_1: style image (left), result (right), on one colour scale</figcaption>", html);
        var widest = Convert.FromBase64String(DataUris().Match(html, section).Groups[1].Value);
        Assert.Equal((1172, 262), Size(widest));
    }

    /// <summary>A <paramref name="width"/> × <paramref name="height"/> PNG in the store, reported as a layer view.</summary>
    private static ArtifactInfo Store(ArtifactStore store, string name, int width, int height, int seed)
    {
        using var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        for (var x = 0; x < width; x++)
            image[x, y] = new Rgb24((byte)(x / 64 * 25 + seed), (byte)(y / 64 * 50), (byte)(seed * 37));
        var temp = store.NewTempFile();
        image.SaveAsPng(temp);
        var bytes = File.ReadAllBytes(temp);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Null(store.Commit(temp, sha, bytes.Length));
        return new ArtifactInfo(LayerViews.ArtifactKind, 2, name, sha, bytes.Length);
    }

    private static (int, int) Size(byte[] jpeg)
    {
        var info = Image.Identify(jpeg);
        return (info.Width, info.Height);
    }

    [GeneratedRegex("<figure id=\"view-([^\"]+)\">")]
    private static partial Regex FigureIds();

    [GeneratedRegex("src=\"data:image/jpeg;base64,([^\"]+)\"")]
    private static partial Regex DataUris();

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
