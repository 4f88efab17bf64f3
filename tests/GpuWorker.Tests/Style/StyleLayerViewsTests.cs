using System.Text.Json;
using Atelier.GpuWorker.Imaging;
using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Jobs.Style;
using Atelier.Contracts.Jobs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;
using StyleJob = Atelier.GpuWorker.Jobs.Style.StyleTransferJob;

namespace Atelier.GpuWorker.Tests.Style;

/// <summary>"What the layers see" for style-transfer: content-layer channels and Gram matrices as pictures.</summary>
public sealed class StyleLayerViewsTests
{
    private static readonly Rgb24 Brightest = new(253, 231, 37);
    private const int Gap = FeaturePictures.Gap;

    [Fact]
    public void A_result_equal_to_the_inputs_looks_the_same_as_them_and_a_gram_peaks_top_left()
    {
        using var dir = new StyleTestData.TempDirectory();
        using var scope = NewDisposeScope();
        using var net = StyleTestData.Network(3);
        var settings = StyleSettings.From(StyleTestData.Parameters(("content_layer", "relu2_2"), ("style_layers", "relu1_1,relu3_1")));
        using var landscape = BuiltinImages.Render("builtin:landscape", 48, 36);
        var image = ImageTensors.ToNormalized(landscape);

        // The result is the content image and the style image at once: both rows and both Gram matrices must match.
        var files = StyleLayerViews.Write(net, settings, image, image, image, dir.Path);

        Assert.Equal(["content-layer.png", "gram-relu1_1.png", "gram-relu3_1.png", "views.json"], files.Select(Path.GetFileName));
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "views", "views.json")));
        var channels = manifest.RootElement.GetProperty("content_layer").GetProperty("channels").EnumerateArray().Select(c => c.GetInt64());
        using (var _ = no_grad())
            Assert.Equal(FeaturePictures.StrongestChannels(net.Extract(image, ["relu2_2"])["relu2_2"][0], 8), channels);

        const int cell = StyleLayerViews.ContentCell;
        using (var content = Image.Load<Rgb24>(files[0]))
        {
            Assert.Equal((9 * cell + 10 * Gap, 2 * cell + 3 * Gap), (content.Width, content.Height));
            for (var y = Gap; y < Gap + cell; y++)
            for (var x = 0; x < content.Width; x++)
                Assert.Equal(content[x, y], content[x, y + cell + Gap]);
        }
        foreach (var (file, channelsAtLayer) in new[] { (files[1], 64), (files[2], 256) })
        {
            using var grams = Image.Load<Rgb24>(file);
            const int side = StyleLayerViews.GramCell;
            Assert.Equal((2 * side + 3 * Gap, side + 2 * Gap), (grams.Width, grams.Height));
            // Channels ordered by the diagonal, and no entry of a Gram matrix exceeds its largest diagonal one.
            Assert.Equal(Brightest, grams[Gap, Gap]);
            for (var y = Gap; y < Gap + side; y++)
            for (var x = Gap; x < Gap + side; x++)
                Assert.Equal(grams[x, y], grams[x + side + Gap, y]);
            Assert.Equal(channelsAtLayer, manifest.RootElement.GetProperty("grams").EnumerateArray()
                .Single(g => g.GetProperty("file").GetString() == Path.GetFileName(file)).GetProperty("channels").GetInt64());
        }
    }

    [Fact]
    public void A_result_unlike_the_style_image_has_another_gram_picture()
    {
        using var dir = new StyleTestData.TempDirectory();
        using var scope = NewDisposeScope();
        using var net = StyleTestData.Network(3);
        var settings = StyleSettings.From(StyleTestData.Parameters(("content_layer", "relu2_2"), ("style_layers", "relu2_1")));
        using var landscape = BuiltinImages.Render("builtin:landscape", 32, 24);
        using var swirls = BuiltinImages.Render("builtin:swirls", 32, 24);
        var content = ImageTensors.ToNormalized(landscape);

        var files = StyleLayerViews.Write(net, settings, content, ImageTensors.ToNormalized(swirls), content, dir.Path);

        using var grams = Image.Load<Rgb24>(files[1]);
        const int side = StyleLayerViews.GramCell;
        var differing = 0;
        for (var y = Gap; y < Gap + side; y++)
        for (var x = Gap; x < Gap + side; x++)
            if (!grams[x, y].Equals(grams[x + side + Gap, y])) differing++;
        Assert.True(differing > side * side / 4, $"only {differing} pixels differ");
    }

    [Theory]
    [InlineData(true, 7)]
    [InlineData(false, 0)]
    public void The_job_reports_its_views_unless_turned_off(bool layerViews, int expected)
    {
        using var dir = new StyleTestData.TempDirectory();
        var reporter = new StyleTestData.RecordingReporter();
        new StyleJob().Run(new JobContext("t/0", 1, StyleTestData.Parameters(("size", 24), ("device", "cpu"), ("iterations", 2),
            ("preview_every", 0), ("layer_views", layerViews)), dir.Path, reporter, false, CancellationToken.None));

        // The default five style layers: the content layer, five Gram pictures and views.json.
        var views = reporter.Artifacts.Where(a => a.Kind == LayerViews.ArtifactKind).ToList();
        Assert.Equal(expected, views.Count);
        Assert.All(views, v => Assert.True(File.Exists(v.Path), v.Path));
    }
}
