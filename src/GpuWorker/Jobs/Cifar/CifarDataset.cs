using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// One split of CIFAR-10 in memory: <see cref="Images"/> uint8 (N, 3, 32, 32) with R, G, B planes,
/// <see cref="Labels"/> int64 (N) in 0..9. Owns both tensors.
/// </summary>
public sealed class CifarSplit : IDisposable
{
    public CifarSplit(Tensor images, Tensor labels)
    {
        if (images.dtype != ScalarType.Byte || images.ndim != 4 || images.shape[1] != 3 || images.shape[2] != 32 || images.shape[3] != 32)
            throw new ArgumentException($"images must be uint8 (N, 3, 32, 32), not {images.dtype} ({string.Join(", ", images.shape)})");
        if (labels.dtype != ScalarType.Int64 || labels.ndim != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException($"labels must be int64 (N) with N = {images.shape[0]}");
        Images = images;
        Labels = labels;
    }

    public Tensor Images { get; private set; }

    public Tensor Labels { get; private set; }

    public long Count => Images.shape[0];

    /// <summary>Keeps only the first <paramref name="count"/> images (0 or ≥ Count: all).</summary>
    public CifarSplit Take(long count)
    {
        if (count <= 0 || count >= Count) return this;
        var images = Images.narrow(0, 0, count).clone();
        var labels = Labels.narrow(0, 0, count).clone();
        Images.Dispose();
        Labels.Dispose();
        Images = images;
        Labels = labels;
        return this;
    }

    /// <summary>Moves both tensors to <paramref name="device"/> (uint8 stays uint8: 3 KB per image).</summary>
    public CifarSplit To(Device device)
    {
        if (Images.device == device) return this;
        var images = Images.to(device);
        var labels = Labels.to(device);
        Images.Dispose();
        Labels.Dispose();
        Images = images;
        Labels = labels;
        return this;
    }

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>A training and a test split, and where they came from.</summary>
public sealed class CifarDataset(CifarSplit train, CifarSplit test, string source) : IDisposable
{
    public const int Classes = 10;
    public const int ImageBytes = 3 * 32 * 32;

    public CifarSplit Train { get; } = train;

    public CifarSplit Test { get; } = test;

    /// <summary>e.g. <c>cifar-10-batches-bin at /data/cifar</c> or <c>synthetic</c>.</summary>
    public string Source { get; } = source;

    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}

/// <summary>A dataset file or folder that cannot be used; the message names it and says why.</summary>
public sealed class CifarDataException(string message) : Exception(message);
