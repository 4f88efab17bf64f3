using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// The reference VGG19 for CIFAR-10: 16 conv layers (3×3, same padding), each followed by BatchNorm and
/// ReLU, max-pooling after blocks 1–4, then flatten → Linear 4096 → BN → ReLU → Dropout → Linear 4096 → BN →
/// ReLU → Dropout → Linear classes (→ BatchNorm1d with <c>headBatchNorm</c>, as the Keras reference's head), He-normal
/// initialisation. <c>width</c> scales every layer's channels.
/// </summary>
/// <remarks>
/// Parameter names follow PyTorch's <c>nn.Sequential</c> numbering (<c>features.0.weight</c>,
/// <c>classifier.8.bias</c>, …); <c>features.*</c> is laid out exactly as torchvision's <c>vgg19_bn().features</c>
/// (minus block 5's pool), so PyTorch users can load a checkpoint into the class in docs/jobs/cifar-vgg19.md.
/// Layers keep their biases as the Keras reference does, although BatchNorm makes them redundant.
/// </remarks>
public sealed class Vgg19Cifar : Module<Tensor, Tensor>
{
    /// <summary>Output channels per conv layer at width 1; 0 marks a 2×2 max-pool.</summary>
    public static readonly IReadOnlyList<int> Layout =
        [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512];

    public const int ReferenceHidden = 4096;

    private readonly Sequential features;
    private readonly Sequential classifier;
    private readonly Module<Tensor, Tensor>[] _featureLayers;

    private Generator? _dropoutDraws;

    /// <param name="initSeed">Seeds the initial weights from a generator of their own; null draws them from torch's global one.</param>
    /// <param name="headBatchNorm">A BatchNorm1d over the class scores (<c>classifier.9</c>), as the reference's Dense 10 → BatchNormalization → softmax.</param>
    public Vgg19Cifar(double width = 1.0, int classes = 10, double dropout = 0.5, long? initSeed = null, bool headBatchNorm = false) : base(nameof(Vgg19Cifar))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        Width = width;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long channels = 3;
        foreach (var reference in Layout)
        {
            if (reference == 0)
            {
                layers.Add(($"{layers.Count}", MaxPool2d(kernel_size: 2, stride: 2)));
                continue;
            }
            var outChannels = CifarOptions.Scale(reference, width);
            layers.Add(($"{layers.Count}", Conv2d(channels, outChannels, kernel_size: 3, padding: 1)));
            layers.Add(($"{layers.Count}", new CountingBatchNorm(outChannels, spatialDims: 2)));
            layers.Add(($"{layers.Count}", ReLU(inplace: true)));
            channels = outChannels;
        }
        features = Sequential(layers);
        _featureLayers = layers.Select(l => l.Item2).ToArray();
        FlattenedFeatures = channels * 2 * 2; // 32 px halved by four pools
        Hidden = CifarOptions.Scale(ReferenceHidden, width);
        var head = new List<(string, Module<Tensor, Tensor>)>
        {
            ("0", Linear(FlattenedFeatures, Hidden)),
            ("1", new CountingBatchNorm(Hidden, spatialDims: 0)),
            ("2", ReLU(inplace: true)),
            ("3", new SeededDropout(dropout, () => _dropoutDraws)),
            ("4", Linear(Hidden, Hidden)),
            ("5", new CountingBatchNorm(Hidden, spatialDims: 0)),
            ("6", ReLU(inplace: true)),
            ("7", new SeededDropout(dropout, () => _dropoutDraws)),
            ("8", Linear(Hidden, classes)),
        };
        if (headBatchNorm) head.Add(("9", new CountingBatchNorm(classes, spatialDims: 0)));
        HeadBatchNorm = headBatchNorm;
        classifier = Sequential(head);
        RegisterComponents();
        using var generator = initSeed is { } seed ? new Generator(unchecked((ulong)seed)) : null;
        Initialize(generator);
    }

    /// <summary>
    /// Starts the dropout masks from <paramref name="seed"/> on the model's device (the trainer does every epoch, so a
    /// resumed run draws what the uninterrupted one drew). Until the first call dropout draws from torch's global generator.
    /// </summary>
    public void SeedDropout(long seed)
    {
        _dropoutDraws?.Dispose();
        _dropoutDraws = new Generator(unchecked((ulong)seed), parameters().First().device);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _dropoutDraws?.Dispose();
        base.Dispose(disposing);
    }

    public double Width { get; }

    public bool HeadBatchNorm { get; }

    public long FlattenedFeatures { get; }

    public long Hidden { get; }

    public override Tensor forward(Tensor input) => classifier.forward(features.forward(input).flatten(1));

    /// <summary>The number of convolutional blocks: four that end in a max pool, and the last, which does not.</summary>
    public const int Blocks = 5;

    /// <summary>
    /// What each of the <see cref="Blocks"/> blocks outputs for <paramref name="input"/>: its last ReLU's output, before
    /// the pool (32, 16, 8, 4 and 2 px for 32 px images). The tensors belong to the caller's dispose scope.
    /// </summary>
    public IReadOnlyList<Tensor> BlockOutputs(Tensor input)
    {
        var outputs = new List<Tensor>(Blocks);
        var h = input;
        foreach (var layer in _featureLayers)
        {
            if (layer is MaxPool2d) outputs.Add(h);
            h = layer.forward(h);
        }
        outputs.Add(h);
        return outputs;
    }

    /// <summary>
    /// He-normal (PyTorch's <c>kaiming_normal_</c>, fan_in, gain √2: std = √2 / √fan_in, drawn with <c>normal_</c> as
    /// it does) for conv and linear weights, zero biases, BatchNorm γ = 1 and β = 0; from <paramref name="generator"/>,
    /// or torch's global generator when null.
    /// </summary>
    private void Initialize(Generator? generator)
    {
        using var _ = no_grad();
        foreach (var (_, module) in named_modules())
        {
            var (weight, bias) = module switch
            {
                Conv2d conv => (conv.weight, conv.bias),
                Linear linear => (linear.weight, linear.bias),
                _ => (null, null),
            };
            if (weight is null) continue;
            var fanIn = weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            weight.normal_(0, Math.Sqrt(2.0) / Math.Sqrt(fanIn), generator);
            bias?.zero_();
        }
    }

    /// <summary>
    /// Multiply-accumulate count ×2 of the conv and linear layers for one 3×32×32 image's forward pass
    /// (BatchNorm, ReLU, pooling and the loss are not counted). Training costs about 3× this.
    /// </summary>
    public static double ForwardFlopsPerImage(double width, int classes = 10)
    {
        double flops = 0;
        long channels = 3, side = 32;
        foreach (var reference in Layout)
        {
            if (reference == 0)
            {
                side /= 2;
                continue;
            }
            long outChannels = CifarOptions.Scale(reference, width);
            flops += 2.0 * channels * outChannels * 9 * side * side;
            channels = outChannels;
        }
        long flat = channels * 2 * 2, hidden = CifarOptions.Scale(ReferenceHidden, width);
        flops += 2.0 * (flat * hidden + hidden * hidden + hidden * classes);
        return flops;
    }
}
