using Atelier.GpuWorker.Jobs.Cifar;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Tests.Cifar;

/// <summary>The on-device input pipeline: per-sample shift and flip, padding, normalisation, determinism.</summary>
public sealed class CifarPipelineTests
{
    [Fact]
    public void Each_sample_is_shifted_and_flipped_by_its_own_draw()
    {
        using var scope = NewDisposeScope();
        // Every combination of dy, dx (0..8 in the padded image, i.e. −4..+4 px) and flip, one per sample.
        var combos = (from dy in Enumerable.Range(0, 9) from dx in Enumerable.Range(0, 9) from f in new[] { 0, 1 } select (dy, dx, f)).ToArray();
        var batch = combos.Length;
        var offsets = tensor(combos.SelectMany(c => new long[] { c.dy, c.dx }).ToArray(), [batch, 2]);
        var flips = tensor(combos.Select(c => c.f == 1).ToArray());
        // Channel 0 holds the padded row, channel 1 the padded column: each output pixel says where it came from.
        var rows = arange(40, ScalarType.Byte).view(1, 1, 40, 1).expand(batch, 1, 40, 40);
        var cols = arange(40, ScalarType.Byte).view(1, 1, 1, 40).expand(batch, 1, 40, 40);
        var padded = cat([rows, cols, zeros([batch, 1, 40, 40], ScalarType.Byte)], 1).contiguous();
        using var data = TinySet(4);
        using var pipeline = new CifarPipeline(data, CPU, augment: true, normalize: "mean_std");

        var output = pipeline.ShiftAndFlip(padded, offsets, flips);

        Assert.Equal(new long[] { batch, 3, 32, 32 }, output.shape);
        var o = output.to(ScalarType.Int32).data<int>().ToArray();
        for (var b = 0; b < batch; b++)
        {
            var (dy, dx, f) = combos[b];
            for (var i = 0; i < 32; i++)
                for (var j = 0; j < 32; j++)
                {
                    Assert.Equal(dy + i, o[((b * 3 + 0) * 32 + i) * 32 + j]);
                    Assert.Equal(dx + (f == 1 ? 31 - j : j), o[((b * 3 + 1) * 32 + i) * 32 + j]);
                }
        }
    }

    [Fact]
    public void Real_shifts_are_resampled_bilinearly_and_flipped()
    {
        using var scope = NewDisposeScope();
        (double dy, double dx, bool flip)[] draws = [(2.25, 5.5, false), (0, 7.999, true), (7.5, 0.75, true), (3, 6, false), (7.9, 7.9, false)];
        var batch = draws.Length;
        var offsets = tensor(draws.SelectMany(d => new[] { (float)d.dy, (float)d.dx }).ToArray(), [batch, 2]);
        var flips = tensor(draws.Select(d => d.flip).ToArray());
        // Channels 0 and 1: the padded row and column (bilinear resampling of a linear ramp is exact); channel 2: noise.
        var rows = arange(40, ScalarType.Byte).view(1, 1, 40, 1).expand(batch, 1, 40, 40);
        var cols = arange(40, ScalarType.Byte).view(1, 1, 1, 40).expand(batch, 1, 40, 40);
        using var generator = new Generator(5, CPU);
        var noise = randint(0, 256, [batch, 1, 40, 40], dtype: ScalarType.Byte, generator: generator);
        var padded = cat([rows, cols, noise], 1).contiguous();
        using var data = TinySet(4);
        using var pipeline = new CifarPipeline(data, CPU, augment: true, normalize: "mean_std", shifts: "real");

        var output = pipeline.ResampleAndFlip(padded, offsets, flips);

        Assert.Equal(new long[] { batch, 3, 32, 32 }, output.shape);
        var o = output.data<float>().ToArray();
        var n = noise.to(ScalarType.Int32).data<int>().ToArray();
        for (var b = 0; b < batch; b++)
        {
            var (dy, dx, flip) = draws[b];
            for (var i = 0; i < 32; i++)
                for (var j = 0; j < 32; j++)
                {
                    var column = flip ? 31 - j : j;
                    Assert.Equal(dy + i, o[((b * 3 + 0) * 32 + i) * 32 + j], 1e-3);
                    Assert.Equal(dx + column, o[((b * 3 + 1) * 32 + i) * 32 + j], 1e-3);
                    // The noise channel, interpolated by hand from its four neighbours.
                    double y = dy + i, x = dx + column;
                    int y0 = (int)Math.Floor(y), x0 = (int)Math.Floor(x);
                    double fy = y - y0, fx = x - x0;
                    double At(int r, int c) => r < 40 && c < 40 ? n[(b * 40 + r) * 40 + c] : 0;
                    var expected = (1 - fy) * ((1 - fx) * At(y0, x0) + fx * At(y0, x0 + 1)) + fy * ((1 - fx) * At(y0 + 1, x0) + fx * At(y0 + 1, x0 + 1));
                    Assert.Equal(expected, o[((b * 3 + 2) * 32 + i) * 32 + j], 1e-2);
                }
        }
        // Whole-number offsets resample to exactly the whole-pixel crop.
        var whole = pipeline.ShiftAndFlip(padded.narrow(0, 3, 1), offsets.narrow(0, 3, 1).to(ScalarType.Int64), flips.narrow(0, 3, 1)).to(ScalarType.Float32);
        Assert.True(whole.equal(output.narrow(0, 3, 1)).all().item<bool>());
    }

    [Fact]
    public void A_real_shift_plan_draws_uniform_reals_in_0_to_8()
    {
        using var scope = NewDisposeScope();
        using var data = TinySet(1000);
        using var pipeline = new CifarPipeline(data, CPU, augment: true, normalize: "mean_std", shifts: "real");
        using var generator = new Generator(7, CPU);

        using var plan = pipeline.Plan(generator);

        var offsets = plan.Offsets.data<float>().ToArray();
        Assert.All(offsets, v => Assert.InRange(v, 0f, 7.99999f));
        Assert.True(offsets.Count(v => v != MathF.Floor(v)) > 1990, "the shifts should be real, not whole pixels");
        Assert.InRange(offsets.Average(), 3.8, 4.2);
        var (images, _) = pipeline.TrainBatch(plan, 0, 64);
        Assert.Equal(new long[] { 64, 3, 32, 32 }, images.shape);
    }

    [Fact]
    public void Nearest_shifts_are_real_shifts_rounded_so_the_extremes_come_half_as_often()
    {
        using var scope = NewDisposeScope();
        using var data = TinySet(20_000);
        using var pipeline = new CifarPipeline(data, CPU, augment: true, normalize: "mean_std", shifts: "nearest");
        using var generator = new Generator(9, CPU);

        using var plan = pipeline.Plan(generator);

        // Keras 2.0: a uniform shift in [−4, 4] px resampled with order 0, i.e. rounded: −4 and 4 each cover half a pixel.
        var counts = plan.Offsets.data<long>().ToArray().CountBy(v => v).ToDictionary();
        Assert.Equal(Enumerable.Range(0, 9).Select(i => (long)i), counts.Keys.Order());
        var inner = Enumerable.Range(1, 7).Average(i => counts[i]);
        Assert.InRange(counts[0] / inner, 0.44, 0.56);
        Assert.InRange(counts[8] / inner, 0.44, 0.56);
    }

    [Fact]
    public void An_epoch_plan_draws_a_permutation_and_independent_shifts_and_flips()
    {
        using var scope = NewDisposeScope();
        using var data = TinySet(1000);
        using var pipeline = new CifarPipeline(data, CPU, augment: true, normalize: "mean_std");
        using var generator = new Generator(7, CPU);

        using var plan = pipeline.Plan(generator);

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), plan.Order.sort().Values.data<long>().ToArray());
        var offsets = plan.Offsets.data<long>().ToArray();
        Assert.Equal(Enumerable.Range(0, 9).Select(i => (long)i), offsets.Where((_, i) => i % 2 == 0).Distinct().Order());
        Assert.Equal(Enumerable.Range(0, 9).Select(i => (long)i), offsets.Where((_, i) => i % 2 == 1).Distinct().Order());
        Assert.InRange(plan.Flips.sum().item<long>(), 400, 600);
    }

    [Fact]
    public void Shifted_in_border_is_the_channel_mean()
    {
        using var scope = NewDisposeScope();
        // Half the images black, half white: the mean is 127.5, the border byte 128, nothing else can be 128.
        var images = cat([zeros([32, 3, 32, 32], ScalarType.Byte), full([32, 3, 32, 32], 255, ScalarType.Byte)], 0);
        using var data = new CifarDataset(
            new CifarSplit(images, arange(64, ScalarType.Int64).remainder(10)),
            new CifarSplit(zeros([2, 3, 32, 32], ScalarType.Byte), zeros(2, ScalarType.Int64)), "test");
        using var pipeline = new CifarPipeline(data, CPU, augment: true, normalize: "mean");
        using var generator = new Generator(3, CPU);
        using var plan = pipeline.Plan(generator);

        var (batch, _) = pipeline.TrainBatch(plan, 0, 64);

        var bytes = batch.add(pipeline.Mean[0]).mul(255).round().to(ScalarType.Int32).unique().Item1.data<int>().ToArray();
        Assert.Equal(new[] { 0, 128, 255 }, bytes.Order().ToArray());
        Assert.Equal(0.5, pipeline.Mean[0], 6);
    }

    [Fact]
    public void Without_augmentation_batches_are_the_images_normalised_per_channel()
    {
        using var scope = NewDisposeScope();
        using var data = TinySet(200);
        var expectedFirst = data.Train.Images[0].to(ScalarType.Float32).div(255);
        using var pipeline = new CifarPipeline(data, CPU, augment: false, normalize: "mean_std");
        using var plan = new EpochPlan(arange(200, ScalarType.Int64), zeros([200, 2], ScalarType.Int64), zeros(200, ScalarType.Bool));

        var (all, labels) = pipeline.TrainBatch(plan, 0, 200);

        Assert.Equal(data.Train.Labels.data<long>().ToArray(), labels.data<long>().ToArray());
        var mean = all.mean([0, 2, 3]).data<float>().ToArray();
        var std = all.std([0, 2, 3]).data<float>().ToArray();
        Assert.All(mean, m => Assert.InRange(m, -1e-3f, 1e-3f));
        Assert.All(std, s => Assert.InRange(s, 0.99f, 1.01f));
        var restored = all[0] * tensor(pipeline.Std.Select(s => (float)s).ToArray()).view(3, 1, 1)
            + tensor(pipeline.Mean.Select(m => (float)m).ToArray()).view(3, 1, 1);
        Assert.True(restored.allclose(expectedFirst, atol: 1e-5));
    }

    [Fact]
    public void The_same_generator_seed_gives_the_same_batches()
    {
        using var scope = NewDisposeScope();
        using var data = TinySet(50);
        using var pipeline = new CifarPipeline(data, CPU, augment: true, normalize: "mean_std");

        Tensor Draw(ulong seed)
        {
            using var g = new Generator(seed, CPU);
            using var plan = pipeline.Plan(g);
            return pipeline.TrainBatch(plan, 0, 16).Images;
        }

        Assert.True(Draw(5).eq(Draw(5)).all().item<bool>());
        Assert.False(Draw(5).eq(Draw(6)).all().item<bool>());
    }

    [Fact]
    public void Imagenet_normalization_subtracts_the_imagenet_means_from_0_to_255_pixels()
    {
        using var scope = NewDisposeScope();
        using var data = TinySet(8);
        using var pipeline = new CifarPipeline(data, CPU, augment: false, normalize: "imagenet");

        var (images, _) = pipeline.TestBatch(0, 2);

        var expected = data.Test.Images.narrow(0, 0, 2).to(ScalarType.Float32) - tensor(new[] { 123.680f, 116.779f, 103.939f }).view(1, 3, 1, 1);
        Assert.True(images.allclose(expected, atol: 1e-4), $"max difference {(images - expected).abs().max().item<float>()}");
        Assert.Equal(123.680 / 255, pipeline.Mean[0], 12);
    }

    internal static CifarDataset TinySet(int count, long seed = 11) =>
        new(SyntheticCifar.Generate(count, seed), SyntheticCifar.Generate(Math.Max(2, count / 4), seed + 1), "synthetic");
}
