using System.Diagnostics;
using Atelier.GpuWorker.Imaging;
using Atelier.Contracts.Jobs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>
/// The <c>style-transfer</c> job (Gatys et al.): optimises the normalised image x so that its VGG19 features match
/// the content image at one layer and the style image's Gram matrices at several layers, plus total variation
/// (see <see cref="StyleLosses"/>, <see cref="StyleOptimizer"/>). It reports the unweighted terms and the total at
/// every step (step 0 before the first update), writes <c>previews/step-NNNN.png</c> every <c>preview_every</c>
/// iterations and at the end, with a checkpoint beside each (<c>checkpoints/step-NNNNNN.safetensors</c>: the image, the
/// best so far and the optimiser's whole state), <c>result.png</c>: the image with the lowest total loss, and (unless
/// <c>layer_views=false</c>) what the layers see of it (<see cref="StyleLayerViews"/>). A resumed
/// attempt continues from the newest checkpoint exactly as the uninterrupted run would have.
/// </summary>
public sealed class StyleTransferJob : IJob
{
    public const string ResultFile = "result.png";
    public const string PreviewDirectory = "previews";
    public const string CheckpointDirectory = "checkpoints";

    /// <summary>Checkpoints kept in the work directory (older ones are deleted; the store keeps what the sweep asks for).</summary>
    private const int CheckpointsKept = 3;

    /// <summary>The content image as used (after resizing), reported at the start of every attempt.</summary>
    public const string ContentInputFile = "inputs/content.png";

    /// <summary>The style image as used (resized to the content image's size), reported at the start of every attempt.</summary>
    public const string StyleInputFile = "inputs/style.png";

    /// <summary>The artifact kind of <see cref="ContentInputFile"/> and <see cref="StyleInputFile"/>.</summary>
    public const string InputKind = "input";

    /// <summary>The width of a built-in content image when <c>size</c> is 0; built-in content images are 4:3.</summary>
    public const int BuiltinDefaultSize = 256;

    public JobDefinition Definition => StyleTransferJobDefinition.Definition;

    public JobResult Run(JobContext context)
    {
        var settings = StyleSettings.From(context.Parameters);
        var device = ResolveDevice(settings.Device, context.Device);
        NativeHeap.FixMallocThresholds();
        var clock = Stopwatch.StartNew();

        using var scope = torch.NewDisposeScope();
        using var contentImage = LoadContent(settings);
        using var styleImage = LoadStyle(settings, contentImage.Width, contentImage.Height);
        ReportInputs(context, contentImage, styleImage);
        context.Cancellation.ThrowIfCancellationRequested();

        using var net = new Vgg19Features();
        VggWeights.Load(net, settings.VggWeights);
        net.to(device);
        net.Freeze();

        var content = ImageTensors.ToNormalized(contentImage, device);
        var style = ImageTensors.ToNormalized(styleImage, device);
        using var objective = new GatysObjective(net, content, style, settings.ContentLayer, settings.StyleLayers, settings.Weights);

        using var progress = new Progress(context, settings);
        var resumed = progress.Resume(content);
        var start = resumed?.Image ?? Initial(settings, content, style, device);
        var firstStep = resumed?.Step ?? 0L;
        var options = new OptimizerOptions(settings.Optimizer, settings.LearningRate,
            (int)Math.Max(0, settings.Iterations - firstStep), firstStep);
        var outcome = StyleOptimizer.Run(objective, start, options, progress.Observe, context.Cancellation, resumed?.OptimizerState);
        var resultPath = Path.Combine(context.WorkDirectory, ResultFile);
        progress.SaveBest(resultPath, start);
        context.Reporter.Artifact("result", resultPath);
        if (settings.LayerViews)
        {
            foreach (var file in StyleLayerViews.Write(net, settings, content, style, progress.BestOr(start), context.WorkDirectory))
                context.Reporter.Artifact(LayerViews.ArtifactKind, file);
        }

        var metrics = new Dictionary<string, double>(progress.BestTerms.ToMetrics())
        {
            ["best_step"] = progress.BestStep,
            ["last_step"] = outcome.LastStep,
            ["seconds"] = clock.Elapsed.TotalSeconds,
            ["width"] = contentImage.Width,
            ["height"] = contentImage.Height,
        };
        if (progress.DivergedAt is { } diverged) metrics["diverged_at_step"] = diverged;
        return new JobResult(metrics);
    }

    /// <summary>
    /// Writes the content and style images as the job uses them (after resizing) to <see cref="ContentInputFile"/> and
    /// <see cref="StyleInputFile"/> and reports them as artifacts of kind <see cref="InputKind"/>: reports show them
    /// beside the results, whatever file or built-in image they came from.
    /// </summary>
    private static void ReportInputs(JobContext context, Image<Rgb24> content, Image<Rgb24> style)
    {
        foreach (var (file, image) in new[] { (ContentInputFile, content), (StyleInputFile, style) })
        {
            var path = Path.Combine(context.WorkDirectory, file);
            ImageFiles.SavePng(image, path);
            context.Reporter.Artifact(InputKind, path);
        }
    }

    /// <summary>
    /// auto: the slot's device when the job runs in a slot, else CUDA when available, else the CPU;
    /// cuda: the slot's CUDA device, else cuda:0 (an error without CUDA); cpu: the CPU.
    /// </summary>
    internal static Device ResolveDevice(string requested, string? slotDevice)
    {
        var slotIsCuda = slotDevice?.StartsWith("cuda", StringComparison.Ordinal) == true;
        switch (requested)
        {
            case "cpu":
                return torch.CPU;
            case "cuda":
                if (!torch.cuda.is_available())
                    throw new JobParameterException("parameter device = 'cuda': no CUDA device is available to TorchSharp");
                return torch.device(slotIsCuda ? slotDevice! : "cuda:0");
            default:
                if (slotDevice is not null) return torch.device(slotDevice);
                return torch.cuda.is_available() ? torch.device("cuda:0") : torch.CPU;
        }
    }

    private static Image<Rgb24> LoadContent(StyleSettings s)
    {
        if (BuiltinImages.IsBuiltin(s.Content))
        {
            var width = s.Size == 0 ? BuiltinDefaultSize : s.Size;
            var height = Math.Max(1, (int)Math.Round(width * 0.75));
            CheckSize(s, width, height);
            return BuiltinImages.Render(s.Content, width, height);
        }
        var image = ImageFiles.LoadRgb(s.Content, "content image");
        try
        {
            var (w, h) = ImageFiles.FitLongerSide(image.Width, image.Height, s.Size);
            CheckSize(s, w, h);
            return ImageFiles.Resized(image, w, h);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    private static Image<Rgb24> LoadStyle(StyleSettings s, int width, int height)
    {
        if (BuiltinImages.IsBuiltin(s.Style)) return BuiltinImages.Render(s.Style, width, height);
        return ImageFiles.Resized(ImageFiles.LoadRgb(s.Style, "style image"), width, height);
    }

    private static void CheckSize(StyleSettings s, int width, int height)
    {
        var needed = s.MinimumSide;
        if (Math.Min(width, height) < needed)
        {
            throw new JobParameterException(
                $"parameter size = {s.Size}: the content image would be {width}×{height}, but the deepest layer used needs "
                + $"at least {needed} pixels on each side");
        }
    }

    private static Tensor Initial(StyleSettings s, Tensor content, Tensor style, Device device)
    {
        switch (s.Init)
        {
            case "content":
                return content;
            case "style":
                return style;
            default:
                using (var generator = new Generator(unchecked((ulong)s.Seed)))
                    return torch.randn(content.shape, ScalarType.Float32, generator: generator).to(device);
        }
    }

    /// <summary>What the run has seen so far: metrics, previews, checkpoints and the best image.</summary>
    private sealed class Progress(JobContext context, StyleSettings settings) : IDisposable
    {
        private readonly string _previews = Path.Combine(context.WorkDirectory, PreviewDirectory);
        private readonly string _checkpoints = Path.Combine(context.WorkDirectory, CheckpointDirectory);
        private Tensor? _best;
        private long _resumedAt = -1;

        public double BestLoss { get; private set; } = double.PositiveInfinity;

        public long BestStep { get; private set; } = -1;

        public LossTerms BestTerms { get; private set; } = new(double.NaN, double.NaN, double.NaN, double.NaN);

        public long? DivergedAt { get; private set; }

        public bool Observe(long step, LossTerms terms, Tensor x, ImageOptimizer optimizer)
        {
            // A resumed run evaluates its checkpoint's step again: that step was reported before.
            if (step != _resumedAt) context.Reporter.Metrics(step, terms.ToMetrics());
            if (!double.IsFinite(terms.Total))
            {
                DivergedAt = step;
                return false;
            }
            if (terms.Total < BestLoss)
            {
                _best?.Dispose();
                _best = x.detach().clone().DetachFromDisposeScope();
                BestLoss = terms.Total;
                BestStep = step;
                BestTerms = terms;
            }
            var every = settings.PreviewEvery;
            if (every > 0 && step != _resumedAt && (step % every == 0 || step == settings.Iterations) && step > 0)
            {
                var path = Path.Combine(_previews, $"step-{step:D4}.png");
                using (var image = ImageTensors.ToImage(x)) ImageFiles.SavePng(image, path);
                context.Reporter.Artifact("preview", path);
                context.Reporter.Checkpoint(step, SaveCheckpoint(step, x, optimizer));
            }
            return true;
        }

        /// <summary>The image with the lowest total loss so far, else <paramref name="fallback"/>.</summary>
        public Tensor BestOr(Tensor fallback) => _best ?? fallback;

        public void SaveBest(string path, Tensor fallback)
        {
            using var image = ImageTensors.ToImage(BestOr(fallback));
            ImageFiles.SavePng(image, path);
        }

        /// <summary>
        /// The newest readable checkpoint's image, step and optimiser state when the attempt resumes and one fits this
        /// content image; else null (the run starts afresh).
        /// </summary>
        public (Tensor Image, long Step, IReadOnlyDictionary<string, Tensor> OptimizerState)? Resume(Tensor content)
        {
            if (!context.Resume || !Directory.Exists(_checkpoints)) return null;
            foreach (var file in Directory.GetFiles(_checkpoints, "step-*.safetensors").OrderDescending(StringComparer.Ordinal))
            {
                Dictionary<string, Tensor> saved;
                try
                {
                    saved = TorchSharp.PyBridge.Safetensors.LoadStateDict(file);
                }
                catch (Exception)
                {
                    continue; // unreadable: an older one, or start again rather than fail the trial
                }
                if (!saved.TryGetValue("image", out var image) || !saved.TryGetValue("best", out var best)
                    || !saved.TryGetValue("state", out var state) || !image.shape.SequenceEqual(content.shape))
                {
                    continue;
                }
                var values = state.data<double>().ToArray();
                _resumedAt = (long)values[0];
                BestStep = (long)values[1];
                BestTerms = new LossTerms(values[2], values[3], values[4], values[5]);
                BestLoss = BestTerms.Total;
                _best = best.to(content.device).DetachFromDisposeScope();
                var optimizer = saved.Where(kv => kv.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
                    .ToDictionary(kv => kv.Key[OptimizerPrefix.Length..], kv => kv.Value);
                return (image.to(content.device), _resumedAt, optimizer);
            }
            return null;
        }

        private const string OptimizerPrefix = "optimizer.";

        /// <summary>
        /// Writes the checkpoint of <paramref name="step"/> to a file of its own (the slot uploads it as it is, possibly a
        /// while later) and deletes all but the newest few; returns its path.
        /// </summary>
        private string SaveCheckpoint(long step, Tensor x, ImageOptimizer optimizer)
        {
            using var scope = torch.NewDisposeScope();
            var b = BestTerms;
            var state = new Dictionary<string, Tensor>
            {
                ["image"] = x.detach().to(torch.CPU).contiguous(),
                ["best"] = (_best ?? x).detach().to(torch.CPU).contiguous(),
                ["state"] = torch.tensor(new double[] { step, BestStep, b.Content, b.Style, b.Tv, b.Total }),
            };
            foreach (var (name, tensor) in optimizer.State()) state[OptimizerPrefix + name] = tensor;
            Directory.CreateDirectory(_checkpoints);
            var path = Path.Combine(_checkpoints, $"step-{step:D6}.safetensors");
            var temp = path + ".tmp";
            using (var stream = File.Create(temp)) TorchSharp.PyBridge.Safetensors.SaveStateDict(stream, state);
            File.Move(temp, path, overwrite: true);
            foreach (var old in Directory.GetFiles(_checkpoints, "step-*.safetensors").OrderDescending(StringComparer.Ordinal).Skip(CheckpointsKept))
                File.Delete(old);
            return path;
        }

        public void Dispose() => _best?.Dispose();
    }
}
