using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// The input pipeline, all tensor ops on the device: the training set lives there as uint8, padded once by
/// <see cref="Pad"/> pixels on each side with the per-channel mean (so a shifted-in border normalises to ≈ 0,
/// as the reference's zero fill after normalisation does). A batch is one <c>index_select</c> of the shuffled
/// indices, one <c>gather</c> that applies each sample's own translation (±4 px) and horizontal flip through
/// index arithmetic, then a cast and the per-channel normalisation. No per-image managed code.
/// </summary>
/// <remarks>
/// <see cref="Shifts"/>: <c>whole</c> draws −4..4 whole pixels evenly; <c>nearest</c> draws a real shift in [−4, 4] as
/// Keras's <c>ImageDataGenerator(width_shift_range=0.125, height_shift_range=0.125)</c> does and rounds it, as Keras 2.0
/// (the reference's) resampled with order 0 (so ±4 come half as often as the rest); <c>real</c> keeps the real shift and
/// resamples bilinearly, as later Keras (order 1): four whole-pixel gathers blended by each sample's fractions.
/// </remarks>
public sealed class CifarPipeline : IDisposable
{
    public const int Pad = 4;
    private const int Side = 32;
    private const int PaddedSide = Side + 2 * Pad;

    private readonly Tensor _train;       // uint8 (N, 3, 40, 40) when augmenting, else (N, 3, 32, 32)
    private readonly Tensor _trainLabels; // int64 (N)
    private readonly Tensor _test;        // uint8 (M, 3, 32, 32)
    private readonly Tensor _testLabels;
    private readonly Tensor _scale;       // float (1, 3, 1, 1): 1 / (255·std), 1/255 or 1 (see Normalizations)
    private readonly Tensor _shift;       // float (1, 3, 1, 1): mean / std, mean or 255·mean
    private readonly Tensor _ramp;        // int64 (32): 0..31
    private readonly Tensor _rowBase;     // int64 (32, 1): row·40

    /// <summary>The <c>normalize</c> modes: what a pixel x (a byte, 0–255) becomes.</summary>
    /// <remarks>
    /// <c>mean_std</c>: (x/255 − mean)/std and <c>mean</c>: x/255 − mean, with the training set's channel statistics;
    /// <c>imagenet</c>: x − (123.680, 116.779, 103.939), in byte units with no division, as the Keras reference
    /// preprocesses (the ImageNet VGG19's channel means).
    /// </remarks>
    public static readonly IReadOnlyList<string> Normalizations = ["mean_std", "mean", "imagenet"];

    /// <summary>The ImageNet channel means the reference subtracts, in [0, 1] units.</summary>
    public static readonly IReadOnlyList<double> ImageNetMean = [123.680 / 255, 116.779 / 255, 103.939 / 255];

    /// <summary>Puts <paramref name="data"/> on <paramref name="device"/>; the pipeline holds its own handles, so the dataset may be disposed.</summary>
    /// <param name="normalize">One of <see cref="Normalizations"/>.</param>
    /// <param name="shifts">One of <see cref="ShiftModes"/>.</param>
    public CifarPipeline(CifarDataset data, Device device, bool augment, string normalize = "mean_std", string shifts = "whole")
    {
        Device = device;
        Augment = augment;
        Shifts = ShiftModes.Contains(shifts) ? shifts : throw new ArgumentException($"shifts is one of {string.Join(", ", ShiftModes)}, not '{shifts}'", nameof(shifts));
        // Every intermediate stays referenced by the scope until the end: one collected mid-call would be freed by its finalizer.
        using var scope = NewDisposeScope();
        var (mean, std) = ChannelStatistics(data.Train.Images);
        if (normalize == "imagenet") mean = [.. ImageNetMean];
        Mean = mean;
        Std = std;
        var (scale, shift) = normalize switch
        {
            "mean_std" => (std.Select(s => 1.0 / (255.0 * s)), mean.Select((m, c) => m / std[c])),
            "mean" => (std.Select(_ => 1.0 / 255.0), mean),
            "imagenet" => (std.Select(_ => 1.0), mean.Select(m => 255.0 * m)),
            _ => throw new ArgumentException($"normalize is one of {string.Join(", ", Normalizations)}, not '{normalize}'", nameof(normalize)),
        };
        _scale = tensor(scale.Select(v => (float)v).ToArray(), device: device).view(1, 3, 1, 1).DetachFromDisposeScope();
        _shift = tensor(shift.Select(v => (float)v).ToArray(), device: device).view(1, 3, 1, 1).DetachFromDisposeScope();

        var train = OnDevice(data.Train.Images, device);
        if (augment)
        {
            // Fill the border with the rounded channel means, then copy the images into the middle.
            var fill = tensor(mean.Select(m => (byte)Math.Round(m * 255)).ToArray(), device: device).view(1, 3, 1, 1);
            _train = fill.expand(train.shape[0], 3, PaddedSide, PaddedSide).contiguous().DetachFromDisposeScope();
            _train.narrow(2, Pad, Side).narrow(3, Pad, Side).copy_(train);
        }
        else
        {
            _train = train.DetachFromDisposeScope();
        }
        _trainLabels = OnDevice(data.Train.Labels, device).DetachFromDisposeScope();
        _test = OnDevice(data.Test.Images, device).DetachFromDisposeScope();
        _testLabels = OnDevice(data.Test.Labels, device).DetachFromDisposeScope();
        _ramp = KeptScalars.Range(Side, ScalarType.Int64, device).DetachFromDisposeScope();
        _rowBase = _ramp.Times(PaddedSide).view(Side, 1).DetachFromDisposeScope();
    }

    public Device Device { get; }

    public bool Augment { get; }

    /// <summary>The <c>shifts</c> modes (see the class remarks).</summary>
    public static readonly IReadOnlyList<string> ShiftModes = ["whole", "nearest", "real"];

    /// <summary>How augmentation shifts: one of <see cref="ShiftModes"/>.</summary>
    public string Shifts { get; }

    /// <summary>The channel mean subtracted, in [0, 1] units: the training pixels', or ImageNet's for <c>imagenet</c>.</summary>
    public IReadOnlyList<double> Mean { get; }

    /// <summary>Per-channel standard deviation of the training pixels, in [0, 1] units.</summary>
    public IReadOnlyList<double> Std { get; }

    public long TrainCount => _train.shape[0];

    public long TestCount => _test.shape[0];

    public Tensor TestLabels => _testLabels;

    /// <summary>
    /// The random draws of one epoch, made on the CPU with <paramref name="generator"/> (TorchSharp creates CPU
    /// generators only) and copied to the device once: the shuffled order and, for every position in it, a shift
    /// (dy, dx in 0..8 of the padded image: whole numbers, or reals in [0, 8) with <c>real</c> shifts) and a flip
    /// bit. The same seed gives the same epoch on any device.
    /// </summary>
    public EpochPlan Plan(Generator generator)
    {
        using var scope = NewDisposeScope();
        var n = TrainCount;
        var order = randperm(n, generator: generator);
        var offsets = Shifts switch
        {
            "real" => rand([n, 2], generator: generator).Times_(2 * Pad),
            "nearest" => rand([n, 2], generator: generator).Times_(2 * Pad).round_().to(ScalarType.Int64),
            _ => randint(0, 2 * Pad + 1, [n, 2], dtype: ScalarType.Int64, generator: generator),
        };
        var flips = randint(0, 2, [n], dtype: ScalarType.Int64, generator: generator);
        return new EpochPlan(
            order.to(Device).MoveToOuterDisposeScope(),
            offsets.to(Device).MoveToOuterDisposeScope(),
            flips.to(Device).to(ScalarType.Bool).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The normalised float batch (B, 3, 32, 32) and labels of positions <paramref name="start"/>..+<paramref name="count"/>
    /// of <paramref name="plan"/>, each sample flipped and shifted by its own draw when augmenting.
    /// </summary>
    public (Tensor Images, Tensor Labels) TrainBatch(EpochPlan plan, long start, long count)
    {
        var indices = plan.Order.narrow(0, start, count);
        var labels = _trainLabels.index_select(0, indices);
        var images = _train.index_select(0, indices);
        if (Augment)
        {
            var offsets = plan.Offsets.narrow(0, start, count);
            var flips = plan.Flips.narrow(0, start, count);
            images = Shifts == "real" ? ResampleAndFlip(images, offsets, flips) : ShiftAndFlip(images, offsets, flips);
        }
        return (Normalize(images), labels);
    }

    /// <summary>Test images <paramref name="start"/>..+<paramref name="count"/> as stored: uint8 (count, 3, 32, 32) RGB.</summary>
    public Tensor TestPixels(long start, long count) => _test.narrow(0, start, count);

    /// <summary>Test images <paramref name="start"/>..+<paramref name="count"/>, normalised, not augmented.</summary>
    public (Tensor Images, Tensor Labels) TestBatch(long start, long count) =>
        (Normalize(_test.narrow(0, start, count)), _testLabels.narrow(0, start, count));

    /// <summary>
    /// Crops a 32×32 window at each sample's offset (<paramref name="offsets"/> (B, 2): dy, dx in 0..8 of the 40×40
    /// padded image, i.e. a ±4 px shift) and mirrors the samples whose <paramref name="flips"/> bit is set, with a
    /// single gather over the flattened planes:
    /// out[b, c, i, j] = padded[b, c, (dy_b + i)·40 + dx_b + (flip_b ? 31 − j : j)].
    /// </summary>
    public Tensor ShiftAndFlip(Tensor padded, Tensor offsets, Tensor flips)
    {
        var b = padded.shape[0];
        var dy = offsets.select(1, 0).view(b, 1, 1);
        var dx = offsets.select(1, 1).view(b, 1);
        var columns = where(flips.view(b, 1), _ramp.flip(0).unsqueeze(0), _ramp.unsqueeze(0)).Plus(dx); // (B, 32)
        var index = _rowBase.unsqueeze(0).Plus(dy.Times(PaddedSide)).Plus(columns.unsqueeze(1));    // (B, 32, 32)
        var flat = index.view(b, 1, Side * Side).expand(b, 3, Side * Side);
        return padded.view(b, 3, PaddedSide * PaddedSide).gather(2, flat).view(b, 3, Side, Side);
    }

    /// <summary>
    /// Real-valued shifts (<paramref name="offsets"/> (B, 2) float: dy, dx in [0, 8) of the padded image) resampled
    /// bilinearly, then mirrored where <paramref name="flips"/> is set: with k = ⌊offset⌋ and f its fraction,
    /// out = (1−fy)(1−fx)·crop(ky, kx) + (1−fy)fx·crop(ky, kx+1) + fy(1−fx)·crop(ky+1, kx) + fy·fx·crop(ky+1, kx+1),
    /// each crop a <see cref="ShiftAndFlip"/> (the flip mirrors the output columns, so it commutes with the blend).
    /// Float (B, 3, 32, 32) in byte units; a sample partly outside the image blends in the border's channel mean.
    /// </summary>
    public Tensor ResampleAndFlip(Tensor padded, Tensor offsets, Tensor flips)
    {
        var b = padded.shape[0];
        var whole = offsets.floor().Clamp_(0, 2 * Pad - 1);
        var fraction = offsets - whole;
        var k = whole.to(ScalarType.Int64);
        var fy = fraction.select(1, 0).view(b, 1, 1, 1);
        var fx = fraction.select(1, 1).view(b, 1, 1, 1);
        var down = tensor(new long[] { 1, 0 }, device: offsets.device);
        var right = tensor(new long[] { 0, 1 }, device: offsets.device);
        Tensor Crop(Tensor at) => ShiftAndFlip(padded, at, flips).to(ScalarType.Float32);
        var (notFx, notFy) = (fx.OneMinus(), fy.OneMinus());
        var top = Crop(k).mul_(notFx).Plus_(Crop(k.Plus(right)).mul_(fx));
        var bottom = Crop(k.Plus(down)).mul_(notFx).Plus_(Crop(k.Plus(down).Plus(right)).mul_(fx));
        return top.mul_(notFy).Plus_(bottom.mul_(fy));
    }

    /// <summary>A handle of its own to <paramref name="t"/> on <paramref name="device"/>: a copy there, or an alias when already there.</summary>
    private static Tensor OnDevice(Tensor t, Device device) =>
        t.device_type == device.type && t.device_index == device.index ? t.alias() : t.to(device);

    private Tensor Normalize(Tensor bytes) => bytes.to(ScalarType.Float32).mul_(_scale).sub_(_shift);

    /// <summary>Per-channel mean and standard deviation of uint8 images, in [0, 1] units (float64 sums in chunks).</summary>
    public static (double[] Mean, double[] Std) ChannelStatistics(Tensor images)
    {
        using var scope = NewDisposeScope();
        var sum = zeros(3, ScalarType.Float64, device: images.device);
        var squares = zeros(3, ScalarType.Float64, device: images.device);
        const long chunk = 4096;
        for (long start = 0; start < images.shape[0]; start += chunk)
        {
            var x = images.narrow(0, start, Math.Min(chunk, images.shape[0] - start)).to(ScalarType.Float64).Over_(255);
            sum.Plus_(x.sum([0, 2, 3]));
            squares.Plus_(x.Squared().sum([0, 2, 3]));
        }
        var n = (double)images.shape[0] * 32 * 32;
        var mean = sum.cpu().data<double>().Select(s => s / n).ToArray();
        var meanSquare = squares.cpu().data<double>().Select(s => s / n).ToArray();
        var std = mean.Select((m, c) => Math.Max(Math.Sqrt(Math.Max(meanSquare[c] - m * m, 0)), 1e-3)).ToArray();
        return (mean, std);
    }

    public void Dispose()
    {
        _train.Dispose();
        _trainLabels.Dispose();
        _test.Dispose();
        _testLabels.Dispose();
        _scale.Dispose();
        _shift.Dispose();
        _ramp.Dispose();
        _rowBase.Dispose();
    }
}

/// <summary>One epoch's draws on the device: the order of the training images, and per position a shift and a flip.</summary>
public sealed record EpochPlan(Tensor Order, Tensor Offsets, Tensor Flips) : IDisposable
{
    public void Dispose()
    {
        Order.Dispose();
        Offsets.Dispose();
        Flips.Dispose();
    }
}
