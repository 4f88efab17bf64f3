using System.Text.Json;
using Atelier.GpuWorker.Imaging;
using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Jobs.Style;
using Atelier.GpuWorker.Standalone;
using TorchSharp;

namespace Atelier.GpuWorker.Tests.Style;

/// <summary>The job end to end on tiny images (random VGG19 weights, CPU).</summary>
public sealed class StyleTransferJobTests
{
    private static JobResult Run(StyleTestData.TempDirectory dir, StyleTestData.RecordingReporter reporter, bool resume = false,
        CancellationToken cancellation = default, params (string, object)[] parameters)
    {
        var all = new List<(string, object)> { ("size", 24), ("device", "cpu") };
        all.AddRange(parameters);
        var job = new StyleTransferJob();
        return job.Run(new JobContext("t/0", 1, StyleTestData.Parameters(all.ToArray()), dir.Path, reporter, resume, cancellation));
    }

    [Fact]
    public void Lbfgs_lowers_the_total_loss_and_writes_metrics_previews_and_the_best_image()
    {
        using var dir = new StyleTestData.TempDirectory();
        var reporter = new StyleTestData.RecordingReporter();
        var result = Run(dir, reporter, parameters: [("iterations", 12), ("preview_every", 5)]);

        Assert.Equal(Enumerable.Range(0, 13).Select(i => (long)i), reporter.Metrics.Select(m => m.Step));
        Assert.All(reporter.Metrics, m => Assert.Equal(["content_loss", "style_loss", "total_loss", "tv_loss"], m.Values.Keys.Order()));
        var first = reporter.Metrics[0].Values;
        // Step 0 is the content image itself (init = content): no content loss yet.
        Assert.Equal(0, first["content_loss"]);
        Assert.Equal(1e6 * first["style_loss"] + 1e-3 * first["tv_loss"], first["total_loss"], first["total_loss"] * 1e-5);
        var totals = reporter.Metrics.Select(m => m.Values["total_loss"]).ToList();
        Assert.True(totals[^1] < totals[0] * 0.5, $"total loss went from {totals[0]} to {totals[^1]}");

        Assert.Equal(totals.Min(), result.FinalMetrics["total_loss"]);
        Assert.Equal(totals.IndexOf(totals.Min()), result.FinalMetrics["best_step"]);
        Assert.Equal(12, result.FinalMetrics["last_step"]);

        var previews = Path.Combine(dir.Path, "previews");
        Assert.Equal(["step-0005.png", "step-0010.png", "step-0012.png"], Directory.GetFiles(previews).Select(Path.GetFileName).Order());
        Assert.Equal(3, reporter.Artifacts.Count(a => a.Kind == "preview"));
        Assert.Equal([5L, 10L, 12L], reporter.Checkpoints.Select(c => c.Step));
        var resultPng = Path.Combine(dir.Path, "result.png");
        Assert.Contains(("result", resultPng), reporter.Artifacts);
        using var image = ImageFiles.LoadRgb(resultPng);
        Assert.Equal((24, 18), (image.Width, image.Height)); // builtin content is 4:3
    }

    [Fact]
    public void Adam_and_noise_init_run_and_lower_the_loss()
    {
        using var dir = new StyleTestData.TempDirectory();
        var reporter = new StyleTestData.RecordingReporter();
        Run(dir, reporter, parameters: [("optimizer", "adam"), ("init", "noise"), ("iterations", 8), ("preview_every", 0), ("lr", 0.1)]);
        var totals = reporter.Metrics.Select(m => m.Values["total_loss"]).ToList();
        Assert.Equal(9, totals.Count);
        Assert.True(reporter.Metrics[0].Values["content_loss"] > 0);
        Assert.True(totals[^1] < totals[0], $"total loss went from {totals[0]} to {totals[^1]}");
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "previews")));
    }

    [Fact]
    public void Step_zero_equals_the_formulas_on_files_given_by_path()
    {
        using var dir = new StyleTestData.TempDirectory();
        // Files at the target size already (no resize), so the expected terms see the same pixels.
        var contentPath = dir.File("content.png");
        var stylePath = dir.File("style.png");
        using (var c = BuiltinImages.Render("builtin:swirls", 32, 20)) ImageFiles.SavePng(c, contentPath);
        using (var s = BuiltinImages.Render("builtin:landscape", 32, 20)) ImageFiles.SavePng(s, stylePath);
        var reporter = new StyleTestData.RecordingReporter();
        Run(dir, reporter, parameters:
        [
            ("content", contentPath), ("style", stylePath), ("size", 32), ("iterations", 0), ("vgg_weights", "random:4"),
            ("content_layer", "relu2_2"), ("style_layers", "relu1_1, relu3_1"), ("style_layer_weights", "0.5,2"),
            ("init", "style"), ("content_weight", 3.0), ("style_weight", 10.0), ("tv_weight", 0.25),
        ]);
        var step0 = Assert.Single(reporter.Metrics);
        Assert.Equal(0, step0.Step);

        using var scope = torch.NewDisposeScope();
        using var net = StyleTestData.Network(seed: 4);
        using var ci = ImageFiles.LoadRgb(contentPath);
        using var si = ImageFiles.LoadRgb(stylePath);
        var content = ImageTensors.ToNormalized(ci);
        var style = ImageTensors.ToNormalized(si);
        var fx = net.Extract(style, ["relu2_2", "relu1_1", "relu3_1"]); // x = the style image (init = style)
        var contentLoss = StyleLosses.Content(fx["relu2_2"], net.Extract(content, ["relu2_2"])["relu2_2"]).item<float>();
        // x is the style image, so its Gram matrices equal the targets: no style loss.
        var tv = StyleLosses.TotalVariation(style).item<float>();
        Assert.Equal(contentLoss, step0.Values["content_loss"], contentLoss * 1e-6);
        Assert.Equal(0, step0.Values["style_loss"]);
        Assert.Equal(tv, step0.Values["tv_loss"], tv * 1e-6);
        Assert.Equal(3 * contentLoss + 0.25 * tv, step0.Values["total_loss"], step0.Values["total_loss"] * 1e-5);
    }

    [Fact]
    public void The_content_and_style_images_as_used_are_reported_first_as_inputs()
    {
        using var dir = new StyleTestData.TempDirectory();
        var contentPath = dir.File("photo.png");
        var stylePath = dir.File("painting.png");
        using (var c = BuiltinImages.Render("builtin:landscape", 40, 30)) ImageFiles.SavePng(c, contentPath);
        using (var s = BuiltinImages.Render("builtin:swirls", 17, 33)) ImageFiles.SavePng(s, stylePath);
        var reporter = new StyleTestData.RecordingReporter();
        Run(dir, reporter, parameters: [("content", contentPath), ("style", stylePath), ("iterations", 2), ("preview_every", 1)]);

        Assert.Equal(
            [("input", Path.Combine(dir.Path, "inputs", "content.png")), ("input", Path.Combine(dir.Path, "inputs", "style.png"))],
            reporter.Artifacts.Take(2));
        using var content = ImageFiles.LoadRgb(Path.Combine(dir.Path, "inputs", "content.png"));
        using var style = ImageFiles.LoadRgb(Path.Combine(dir.Path, "inputs", "style.png"));
        Assert.Equal((24, 18), (content.Width, content.Height)); // size 24 is the longer side
        Assert.Equal((24, 18), (style.Width, style.Height)); // resized to the content image
        using var original = ImageFiles.Resized(ImageFiles.LoadRgb(contentPath), 24, 18);
        Assert.Equal(Pixels(original), Pixels(content));
    }

    [Fact]
    public void A_corrupt_content_file_fails_with_a_message_naming_it()
    {
        using var dir = new StyleTestData.TempDirectory();
        var contentPath = dir.File("broken.png");
        using (var c = BuiltinImages.Render("builtin:landscape", 40, 30)) ImageFiles.SavePng(c, contentPath);
        var bytes = File.ReadAllBytes(contentPath);
        File.WriteAllBytes(contentPath, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<ImageLoadException>(() => Run(dir, new StyleTestData.RecordingReporter(), parameters: [("content", contentPath), ("iterations", 1)]));
        Assert.Contains("content image", e.Message);
        Assert.Contains("broken.png", e.Message);
    }

    private static byte[] Pixels(SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24> image)
    {
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return pixels;
    }

    /// <summary>Cancels the run once step <paramref name="stopAfter"/> is reported (a killed worker).</summary>
    private sealed class InterruptingReporter(long stopAfter, CancellationTokenSource cancel) : IJobReporter
    {
        public void Metrics(long step, IReadOnlyDictionary<string, double> values)
        {
            if (step == stopAfter) cancel.Cancel();
        }

        public void Artifact(string kind, string path) { }

        public void Checkpoint(long step, string path) { }
    }

    [Theory]
    [InlineData("lbfgs")]
    [InlineData("adam")]
    public void A_run_resumed_from_a_checkpoint_reports_exactly_what_the_uninterrupted_run_reports(string optimizer)
    {
        (string, object)[] parameters = [("iterations", 14), ("preview_every", 4), ("optimizer", optimizer)];
        using var straightDir = new StyleTestData.TempDirectory();
        var straight = new StyleTestData.RecordingReporter();
        var expected = Run(straightDir, straight, parameters: parameters);

        // Killed after step 10: the checkpoints of steps 4 and 8 are on disk. The slot restores the newest one the
        // sweep recorded into an empty work directory; here that is step 8.
        using var dir = new StyleTestData.TempDirectory();
        using var cancel = new CancellationTokenSource();
        var interrupted = new InterruptingReporter(10, cancel);
        Assert.Throws<OperationCanceledException>(() => new StyleTransferJob().Run(new JobContext("t/0", 1,
            StyleTestData.Parameters([("size", 24), ("device", "cpu"), .. parameters]), dir.Path, interrupted, false, cancel.Token)));
        var checkpoints = Directory.GetFiles(Path.Combine(dir.Path, StyleTransferJob.CheckpointDirectory)).Order().ToList();
        Assert.Equal(["step-000004.safetensors", "step-000008.safetensors"], checkpoints.Select(Path.GetFileName));
        File.Delete(checkpoints[0]);

        var resumed = new StyleTestData.RecordingReporter();
        var result = Run(dir, resumed, resume: true, parameters: parameters);

        Assert.Equal(Enumerable.Range(9, 6).Select(s => (long)s), resumed.Metrics.Select(m => m.Step));
        foreach (var (step, values) in resumed.Metrics)
            Assert.Equal(straight.Metrics.Single(m => m.Step == step).Values, values);
        Assert.Equal(expected.FinalMetrics.Where(kv => kv.Key != "seconds"), result.FinalMetrics.Where(kv => kv.Key != "seconds"));
    }

    [Fact]
    public void Bad_parameters_are_refused_naming_the_parameter()
    {
        using var dir = new StyleTestData.TempDirectory();
        var reporter = new StyleTestData.RecordingReporter();
        string Error(params (string, object)[] p) => Assert.Throws<JobParameterException>(() => Run(dir, reporter, parameters: p)).Message;

        Assert.Contains("style_layers", Error(("style_layers", "relu1_1,relu9_1")));
        Assert.Contains("unknown layer 'relu9_1'", Error(("style_layers", "relu1_1,relu9_1")));
        Assert.Contains("style_layer_weights", Error(("style_layer_weights", "1,2")));
        Assert.Contains("content_layer", Error(("content_layer", "relu4_9")));
        Assert.Contains("must be >= 0", Error(("iterations", -1)));
        Assert.Contains("must be one of lbfgs, adam", Error(("optimizer", "sgd")));
        Assert.Contains("must be > 0", Error(("lr", 0.0)));
        Assert.Contains("must be >= 0", Error(("style_weight", -1.0)));
        var size = Error(("size", 12));
        Assert.Contains("parameter size = 12", size);
        Assert.Contains("at least 16 pixels", size);
        Assert.Empty(reporter.Metrics);

        var missing = Assert.Throws<ImageLoadException>(() => Run(dir, reporter, parameters: [("content", dir.File("nope.jpg"))]));
        Assert.Contains("content image", missing.Message);
        Assert.Contains("nope.jpg", missing.Message);
    }

    [Fact]
    public void Cancellation_stops_the_run()
    {
        using var dir = new StyleTestData.TempDirectory();
        using var cancel = new CancellationTokenSource();
        var reporter = new CancellingReporter(cancel, afterStep: 2);
        var job = new StyleTransferJob();
        var context = new JobContext("t/0", 1, StyleTestData.Parameters(("size", 24), ("iterations", 50), ("device", "cpu")),
            dir.Path, reporter, false, cancel.Token);
        Assert.ThrowsAny<OperationCanceledException>(() => job.Run(context));
        Assert.InRange(reporter.Steps, 3, 4);
    }

    [Fact]
    public void Memory_stays_flat_over_iterations()
    {
        using var scope = torch.NewDisposeScope();
        using var net = StyleTestData.Network();
        torch.random.manual_seed(1);
        var content = torch.randn(1, 3, 16, 16);
        var style = torch.randn(1, 3, 16, 16);
        string[] layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"];
        using var objective = new GatysObjective(net, content, style, "relu4_2", layers, new LossWeights(1, 1e6, 1e-3, [1, 1, 1, 1, 1]));
        foreach (var optimizer in new[] { OptimizerOptions.Lbfgs, OptimizerOptions.Adam })
        {
            var live = new Dictionary<long, long>();
            StyleOptimizer.Run(objective, content, new OptimizerOptions(optimizer, OptimizerOptions.DefaultLearningRate(optimizer), 130),
                (step, _, _, _) =>
                {
                    live[step] = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                    return true;
                }, CancellationToken.None);
            // Adam: nothing outlives its iteration. L-BFGS: its history grows to its 100 pairs, then nothing more.
            var from = optimizer == OptimizerOptions.Lbfgs ? 105 : 5;
            Assert.Equal(live[from], live[from + 10]);
            Assert.Equal(live[from], live[from + 20]);
        }
    }

    [Fact]
    public void The_standalone_run_command_writes_metrics_result_and_previews()
    {
        using var dir = new StyleTestData.TempDirectory();
        var output = new StringWriter();
        var error = new StringWriter();
        var code = RunCommand.Execute(
            ["style-transfer", "-p", "size=24", "-p", "iterations=3", "-p", "preview_every=2", "-p", "device=cpu", "--out", dir.Path],
            JobRegistry.Default(), output, error, CancellationToken.None);
        Assert.True(code == 0, error.ToString());

        var lines = File.ReadAllLines(Path.Combine(dir.Path, "metrics.jsonl"));
        Assert.Equal(4, lines.Length);
        using (var step0 = JsonDocument.Parse(lines[0]))
        {
            Assert.Equal(0, step0.RootElement.GetProperty("step").GetInt64());
            foreach (var key in new[] { "content_loss", "style_loss", "tv_loss", "total_loss" })
                Assert.True(step0.RootElement.TryGetProperty(key, out _), key);
        }
        Assert.True(File.Exists(Path.Combine(dir.Path, "result.png")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "previews", "step-0002.png")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "previews", "step-0003.png")));
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "result.json")));
        Assert.Equal("style-transfer", result.RootElement.GetProperty("job").GetString());
        Assert.True(result.RootElement.GetProperty("metrics").GetProperty("total_loss").GetDouble() > 0);
    }

    [Fact]
    public void A_blank_content_image_starts_white_and_takes_on_the_style()
    {
        using var dir = new StyleTestData.TempDirectory();
        var error = new StringWriter();
        var code = RunCommand.Execute(
            ["style-transfer", "-p", "content=builtin:blank", "-p", "size=24", "-p", "iterations=5", "-p", "device=cpu", "--out", dir.Path],
            JobRegistry.Default(), new StringWriter(), error, CancellationToken.None);
        Assert.True(code == 0, error.ToString());

        using (var step0 = JsonDocument.Parse(File.ReadAllLines(Path.Combine(dir.Path, "metrics.jsonl"))[0]))
        {
            // init = content: the image is the blank content itself, so nothing differs from it yet.
            Assert.Equal(0, step0.RootElement.GetProperty("content_loss").GetDouble());
            Assert.Equal(0, step0.RootElement.GetProperty("tv_loss").GetDouble());
        }
        using var result = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(Path.Combine(dir.Path, "result.png"));
        var colours = new HashSet<SixLabors.ImageSharp.PixelFormats.Rgb24>();
        result.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++) foreach (var p in rows.GetRowSpan(y)) colours.Add(p);
        });
        Assert.True(colours.Count > 20, $"the result should have taken on texture from the style, it has {colours.Count} colours");
    }

    private sealed class CancellingReporter(CancellationTokenSource cancel, long afterStep) : IJobReporter
    {
        public int Steps { get; private set; }

        public void Metrics(long step, IReadOnlyDictionary<string, double> values)
        {
            Steps++;
            if (step == afterStep) cancel.Cancel();
        }

        public void Artifact(string kind, string path) { }

        public void Checkpoint(long step, string path) { }
    }
}
