using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// TorchSharp's BatchNorm1d/BatchNorm2d (eps 1e-5, momentum 0.1, affine, running statistics, the same state dict names),
/// except that it counts <c>num_batches_tracked</c> with <see cref="KeptScalars.One"/>: theirs adds a Scalar made on the
/// fly, which a collection can free while libtorch reads it (see <see cref="KeptScalars"/>).
/// </summary>
public sealed class CountingBatchNorm : BatchNorm
{
    /// <param name="features">The channels (2-d) or features (1-d).</param>
    /// <param name="spatialDims">2 for BatchNorm2d's (N, C, H, W) input, 0 for BatchNorm1d's (N, C) (its (N, C, L) form is not used here).</param>
    public CountingBatchNorm(long features, int spatialDims)
        : base(features, 1e-5, 0.1, affine: true, track_running_stats: true, device: null, dtype: null, Name(spatialDims))
    {
        InputDims = spatialDims + 2;
    }

    private static string Name(int spatialDims) => spatialDims switch
    {
        2 => "BatchNorm2d",
        0 => "BatchNorm1d",
        _ => throw new ArgumentOutOfRangeException(nameof(spatialDims), spatialDims, "2 (BatchNorm2d) or 0 (BatchNorm1d)"),
    };

    /// <summary>The dimensions of its input: 4 as BatchNorm2d, 2 as BatchNorm1d.</summary>
    public int InputDims { get; }

    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        if (training) num_batches_tracked!.add_(KeptScalars.One, KeptScalars.One);
        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training, momentum!.Value, eps);
    }

    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != InputDims)
            throw new ArgumentException($"expected {InputDims}D input, but got {input.ndim}D input.");
    }
}
