using System.Text.Json;
using Atelier.GpuWorker.Imaging;
using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Jobs.Cifar;
using Atelier.Contracts.Jobs;
using Atelier.Contracts.Specs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Tests.Cifar;

/// <summary>"What each layer sees" for cifar-vgg19: the pictures show the model's own activations and the test images.</summary>
public sealed class CifarLayerViewsTests : IDisposable
{
    private static readonly Rgb24 Brightest = new(253, 231, 37);
    private const int Cell = CifarLayerViews.Cell, Gap = FeaturePictures.Gap;

    private readonly string _dir = Directory.CreateTempSubdirectory("atelier-cifar-views-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Every_block_shows_each_fixed_image_and_its_strongest_channels_of_that_blocks_output()
    {
        using var scope = NewDisposeScope();
        using var data = CifarDataLoader.Load("", 16, 60);
        using var pipeline = new CifarPipeline(data, CPU, augment: false);
        using var model = new Vgg19Cifar(width: 0.125, initSeed: 7);

        var files = CifarLayerViews.Write(model, pipeline, _dir);

        Assert.Equal(["block1.png", "block2.png", "block3.png", "block4.png", "block5.png", "top-images.png", "views.json"],
            files.Select(Path.GetFileName));
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "views", "views.json")));
        var labels = pipeline.TestLabels.data<long>().ToArray();
        var images = manifest.RootElement.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("test_index").GetInt64()).ToArray();
        Assert.Equal(Enumerable.Range(0, 4).Select(c => (long)Array.IndexOf(labels, (long)c)), images);

        model.eval();
        using var _ = no_grad();
        var outputs = model.BlockOutputs(cat(images.Select(i => pipeline.TestBatch(i, 1).Images).ToArray()));
        var blocks = manifest.RootElement.GetProperty("blocks").EnumerateArray().ToList();
        for (var b = 0; b < 5; b++)
        {
            using var grid = Image.Load<Rgb24>(Path.Combine(_dir, "views", $"block{b + 1}.png"));
            Assert.Equal((9 * Cell + 10 * Gap, 4 * Cell + 5 * Gap), (grid.Width, grid.Height));
            var channels = blocks[b].GetProperty("channels").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt64()).ToArray()).ToList();
            for (var row = 0; row < 4; row++)
            {
                var output = outputs[b][row];
                var means = output.mean([1L, 2L]).data<float>().ToArray();
                var expected = Enumerable.Range(0, means.Length).OrderByDescending(c => means[c]).ThenBy(c => c).Take(8).Select(c => (long)c);
                Assert.Equal(expected, channels[row]);

                // The strongest channel's tile is brightest where that channel's map peaks.
                var map = output[channels[row][0]];
                var side = (int)map.shape[1];
                var peak = map.argmax().item<long>();
                var scale = Cell / side;
                var (x, y) = (Gap + (Cell + Gap) + (int)(peak % side) * scale, Gap + row * (Cell + Gap) + (int)(peak / side) * scale);
                Assert.Equal(Brightest, grid[x, y]);
            }
            // The first column is the test image itself, twice its size.
            var pixels = pipeline.TestPixels(images[0], 1)[0];
            Assert.Equal(new Rgb24(pixels[0, 5, 9].item<byte>(), pixels[1, 5, 9].item<byte>(), pixels[2, 5, 9].item<byte>()),
                grid[Gap + 2 * 9 + 1, Gap + 2 * 5 + 1]);
        }
    }

    [Fact]
    public void Top_images_are_the_test_images_that_activate_each_shown_channel_most()
    {
        using var scope = NewDisposeScope();
        using var data = CifarDataLoader.Load("", 16, 60);
        using var pipeline = new CifarPipeline(data, CPU, augment: false);
        using var model = new Vgg19Cifar(width: 0.125, initSeed: 8);

        CifarLayerViews.Write(model, pipeline, _dir);

        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "views", "views.json")));
        var rows = manifest.RootElement.GetProperty("top_images").GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(4, rows.Count);
        model.eval();
        using var _ = no_grad();
        var (all, _) = pipeline.TestBatch(0, pipeline.TestCount);
        var perImage = model.BlockOutputs(all)[^1].mean([2L, 3L]);
        using var grid = Image.Load<Rgb24>(Path.Combine(_dir, "views", "top-images.png"));
        Assert.Equal((8 * Cell + 9 * Gap, 4 * Cell + 5 * Gap), (grid.Width, grid.Height));
        for (var r = 0; r < rows.Count; r++)
        {
            var channel = rows[r].GetProperty("channel").GetInt64();
            var shown = rows[r].GetProperty("test_indices").EnumerateArray().Select(i => i.GetInt64()).ToArray();
            var activations = perImage.select(1, channel).data<float>().ToArray();
            var expected = Enumerable.Range(0, activations.Length).OrderByDescending(i => activations[i]).Take(8).Select(i => (long)i);
            Assert.Equal(expected.ToHashSet(), shown.ToHashSet());
            var pixels = pipeline.TestPixels(shown[0], 1)[0];
            Assert.Equal(new Rgb24(pixels[0, 30, 2].item<byte>(), pixels[1, 30, 2].item<byte>(), pixels[2, 30, 2].item<byte>()),
                grid[Gap + 2 * 2, Gap + r * (Cell + Gap) + 2 * 30]);
        }
        Assert.Equal(4, rows.Select(r => r.GetProperty("channel").GetInt64()).Distinct().Count());
    }

    [Theory]
    [InlineData(true, 7)]
    [InlineData(false, 0)]
    public void The_job_reports_its_views_unless_turned_off(bool layerViews, int expected)
    {
        var parameters = new JobParameters(CifarVgg19JobDefinition.Definition, new Dictionary<string, ParamValue>
        {
            ["width"] = ParamValue.Of(0.03125), ["epochs"] = ParamValue.Of(1L), ["train_subset"] = ParamValue.Of(32L),
            ["test_subset"] = ParamValue.Of(32L), ["batch_size"] = ParamValue.Of(16L), ["layer_views"] = ParamValue.Of(layerViews),
        });
        var reporter = new Artifacts();
        new CifarVgg19TrainingJob().Run(new JobContext("t", 1, parameters, _dir, reporter, false, CancellationToken.None, ["cpu"]));

        var views = reporter.Reported.Where(a => a.Kind == LayerViews.ArtifactKind).ToList();
        Assert.Equal(expected, views.Count);
        Assert.All(views, v => Assert.True(File.Exists(v.Path), v.Path));
        Assert.Equal(layerViews, Directory.Exists(Path.Combine(_dir, LayerViews.Directory)));
    }

    private sealed class Artifacts : IJobReporter
    {
        public List<(string Kind, string Path)> Reported { get; } = [];

        public void Metrics(long step, IReadOnlyDictionary<string, double> values) { }

        public void Artifact(string kind, string path) => Reported.Add((kind, path));

        public void Checkpoint(long step, string path) { }
    }
}
