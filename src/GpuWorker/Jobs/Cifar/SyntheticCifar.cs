using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// A deterministic CIFAR-like dataset for running the job with nothing downloaded: 32×32 RGB images of 10
/// classes — disc, ring, square, frame, triangle, plus, horizontal stripes, vertical stripes, checkerboard,
/// diagonal stripes — with random position, size, stripe period and phase, a foreground colour loosely tied to
/// the class, a contrasting random background, a random distractor patch on half of the images, a brightness
/// gradient and pixel noise. Learnable, but not from colour or a single pixel alone. The same seed gives the
/// same bytes on every machine (torch's CPU generator).
/// </summary>
public static class SyntheticCifar
{
    public const int DefaultTrainSize = 50_000;
    public const int DefaultTestSize = 10_000;
    public const long TrainSeed = 0x5EED_C1FA;
    public const long TestSeed = 0x7E57_C1FA;

    public static readonly IReadOnlyList<string> ClassNames =
        ["disc", "ring", "square", "frame", "triangle", "plus", "h-stripes", "v-stripes", "checkerboard", "diagonal"];

    private static readonly float[,] Palette =
    {
        { 0.9f, 0.1f, 0.1f }, { 0.95f, 0.55f, 0.1f }, { 0.9f, 0.9f, 0.15f }, { 0.15f, 0.8f, 0.2f }, { 0.1f, 0.8f, 0.85f },
        { 0.15f, 0.25f, 0.9f }, { 0.6f, 0.2f, 0.85f }, { 0.95f, 0.45f, 0.7f }, { 0.55f, 0.35f, 0.15f }, { 0.6f, 0.6f, 0.6f },
    };

    private const int Chunk = 2048;

    /// <summary>Generates <paramref name="count"/> images (classes balanced, order shuffled) on the CPU.</summary>
    public static CifarSplit Generate(int count, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        var images = empty([count, 3, 32, 32], ScalarType.Byte);
        Tensor labels;
        using (var _ = NewDisposeScope())
        {
            var order = randperm(count, generator: generator);
            labels = KeptScalars.Range(count, ScalarType.Int64).Remainder(CifarDataset.Classes).index_select(0, order).MoveToOuterDisposeScope();
        }
        using var palette = tensor(Palette);
        for (long start = 0; start < count; start += Chunk)
        {
            using var scope = NewDisposeScope();
            var n = Math.Min(Chunk, count - start);
            var rendered = Render(labels.narrow(0, start, n), palette, generator);
            images.narrow(0, start, n).copy_(rendered.Times(255L).round_().Clamp_(0, 255).to(ScalarType.Byte));
        }
        return new CifarSplit(images, labels);
    }

    /// <summary>Float images in [0, 1] of shape (n, 3, 32, 32) for the given labels.</summary>
    private static Tensor Render(Tensor y, Tensor palette, Generator g)
    {
        var n = y.shape[0];
        Tensor U(params long[] shape) => rand(shape, generator: g);
        var yy = KeptScalars.Range(32, ScalarType.Float32).view(1, 32, 1);
        var xx = KeptScalars.Range(32, ScalarType.Float32).view(1, 1, 32);

        var cx = U(n, 1, 1).Times(16L).PlusNumber(8);
        var cy = U(n, 1, 1).Times(16L).PlusNumber(8);
        var r = U(n, 1, 1).Times(6L).PlusNumber(5);
        var t = U(n, 1, 1).Times(1.5).PlusNumber(1.5);
        var period = U(n, 1, 1).Times(5L).PlusNumber(4);
        var phase = U(n, 1, 1).Times(2 * Math.PI);
        var phase2 = U(n, 1, 1).Times(2 * Math.PI);
        var direction = U(n, 1, 1).IsBelow(0.5).to(ScalarType.Float32).Times(2L).MinusNumber(1);

        var dx = xx - cx;
        var dy = yy - cy;
        var d = (dx * dx).Plus(dy * dy).sqrt();
        var cheb = maximum(dx.abs(), dy.abs());
        var top = cy - r;
        Tensor Wave(Tensor coordinate, Tensor p, Tensor ph) => sin(coordinate.Times(2 * Math.PI).div(p).Plus(ph));

        var masks = stack(new[]
        {
            d <= r,
            (d - r).abs() <= t.Times(0.75),
            cheb <= r.Times(0.8),
            (cheb - r.Times(0.8)).abs() <= t.Times(0.75),
            (yy >= top).logical_and(yy <= cy.Plus(r.Times(0.8))).logical_and(dx.abs() <= (yy - top).Times(0.65)),
            (dx.abs() <= t).logical_and(dy.abs() <= r).logical_or((dy.abs() <= t).logical_and(dx.abs() <= r)),
            Wave(yy.expand(n, 32, 32), period, phase).IsAbove(0),
            Wave(xx.expand(n, 32, 32), period, phase).IsAbove(0),
            (Wave(xx.expand(n, 32, 32), period, phase) * Wave(yy.expand(n, 32, 32), period, phase2)).IsAbove(0),
            Wave(xx.Plus(direction * yy), period.Times(1.41), phase).IsAbove(0),
        }.Select(m => m.expand(n, 32, 32).to(ScalarType.Float32)), 1);
        var mask = masks.gather(1, y.view(n, 1, 1, 1).expand(n, 1, 32, 32)).squeeze(1).unsqueeze(1);

        var fg = palette.index_select(0, y).Times(0.55).Plus(U(n, 3).Times(0.45));
        var bg = fg.Plus(U(n, 3).Times(0.4).PlusNumber(0.3)).Remainder(1.0);
        var image = bg.view(n, 3, 1, 1).Plus((fg - bg).view(n, 3, 1, 1) * mask);

        var patchX = U(n, 1, 1).Times(28L).floor();
        var patchY = U(n, 1, 1).Times(28L).floor();
        var patchW = U(n, 1, 1).Times(5L).PlusNumber(3).floor();
        var patchH = U(n, 1, 1).Times(5L).PlusNumber(3).floor();
        var hasPatch = U(n, 1, 1).IsBelow(0.5);
        var patch = (xx >= patchX).logical_and(xx < patchX.Plus(patchW))
            .logical_and(yy >= patchY).logical_and(yy < patchY.Plus(patchH)).logical_and(hasPatch).unsqueeze(1);
        image = where(patch, U(n, 3).view(n, 3, 1, 1), image);

        var slopeX = U(n, 1, 1, 1).Times(0.6).MinusNumber(0.3);
        var slopeY = U(n, 1, 1, 1).Times(0.6).MinusNumber(0.3);
        image = image.Plus((slopeX * xx.unsqueeze(0).MinusNumber(15.5)).Plus(slopeY * yy.unsqueeze(0).MinusNumber(15.5)).Over(32L));
        image = image.Plus(randn([n, 3, 32, 32], generator: g).Times(0.08));
        return image.Clamp(0, 1);
    }
}
