using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Jobs.Cifar;
using Atelier.GpuWorker.Jobs.Style;
using Atelier.GpuWorker.Tests.Style;
using SixLabors.ImageSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Tests;

/// <summary>
/// Each job twice side by side, as two slots of one worker run them, while a third thread forces garbage collections
/// without pause: every Scalar handed to libtorch must outlive the call that reads it (see <see cref="KeptScalars"/>).
/// Before <see cref="KeptScalars"/>, the cifar run failed within seconds ("For integral input tensors, argument alpha
/// must not be a floating point number": a freed alpha's memory reused by another Scalar). The style run is the weaker
/// check: with only its <c>square()</c> put back it failed 1 time in 4 ("Unknown scalar type").
/// <see cref="TorchScalarUseTests"/> is the check that finds such places. This one runs the jobs' training and
/// optimisation loops (<see cref="CifarTrainer"/>, <see cref="StyleOptimizer"/>), not their whole <c>Run</c>.
/// </summary>
public sealed class JobsUnderCollectionsTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(120);

    private static readonly CifarOptions Cifar = new()
    {
        Width = 1.0 / 32, Dropout = 0.5, Lr = 0.05, BatchSize = 8, Epochs = 2, TrainSubset = 48, TestSubset = 16,
        Shifts = "real", Seed = 5,
    };

    [Fact]
    public void Two_cifar_trainings_under_constant_collections_fail_nothing_and_match_an_undisturbed_run() =>
        AssertUndisturbed(TrainCifar);

    [Fact]
    public void Two_style_transfers_under_constant_collections_fail_nothing_and_match_an_undisturbed_run() =>
        AssertUndisturbed(TransferStyle);

    /// <summary>
    /// Runs <paramref name="run"/> alone, then on two threads again and again under forced collections: for
    /// <see cref="Duration"/> and until each thread has run twice (at most <see cref="Cap"/>, however slow the machine).
    /// </summary>
    private static void AssertUndisturbed(Func<string> run)
    {
        var expected = run();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = new List<string>[] { [], [] };
        var runs = new int[2];
        bool Done() => clock.Elapsed >= Cap || clock.Elapsed >= Duration && Volatile.Read(ref runs[0]) >= 2 && Volatile.Read(ref runs[1]) >= 2;
        var collections = 0;
        var collector = new Thread(() =>
        {
            while (!Done())
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                collections++;
            }
        });
        var failures = new Exception?[2];
        var runners = Enumerable.Range(0, 2).Select(i => new Thread(() =>
        {
            try
            {
                while (!Done())
                {
                    results[i].Add(run());
                    Interlocked.Increment(ref runs[i]);
                }
            }
            catch (Exception e)
            {
                failures[i] = e;
            }
        })).ToList();

        collector.Start();
        runners.ForEach(t => t.Start());
        runners.ForEach(t => t.Join());
        collector.Join();

        Assert.Null(failures[0]);
        Assert.Null(failures[1]);
        Assert.True(collections > 100, $"only {collections} collections");
        Assert.All(results, r => Assert.True(r.Count >= 2, $"only {r.Count} runs in {clock.Elapsed}"));
        Assert.All(results.SelectMany(r => r), r => Assert.Equal(expected, r));
    }

    /// <summary>Synthetic data, two epochs and an evaluation from scratch: every metric and a digest of every weight and buffer.</summary>
    private static string TrainCifar()
    {
        using var data = CifarDataLoader.Load("", Cifar.TrainSubset, Cifar.TestSubset);
        using var pipeline = new CifarPipeline(data, CPU, augment: true, normalize: Cifar.Normalize, shifts: Cifar.Shifts);
        using var trainer = new CifarTrainer(Cifar, pipeline);
        var lines = new List<string>();
        for (var epoch = 0; epoch < Cifar.Epochs; epoch++)
        {
            var m = trainer.TrainEpoch(epoch, CancellationToken.None);
            lines.Add($"epoch {epoch}: loss {m.Loss:R} accuracy {m.Accuracy:R}");
        }
        var eval = trainer.Evaluate();
        lines.Add($"test: loss {eval.Loss:R} accuracy {eval.Accuracy:R}");
        using var scope = NewDisposeScope();
        foreach (var (name, t) in trainer.Model.state_dict())
            lines.Add($"{name}: {t.to(ScalarType.Float64).abs().sum().item<double>():R}");
        return string.Join("\n", lines);
    }

    /// <summary>Twelve L-BFGS and twelve Adam iterations on 16 px images, each step's image as 8-bit RGB: every step's loss terms and a digest of its pixels.</summary>
    private static string TransferStyle()
    {
        using var scope = NewDisposeScope();
        using var net = StyleTestData.Network();
        using var generator = new Generator(3);
        var content = randn([1, 3, 16, 16], generator: generator);
        var style = randn([1, 3, 16, 16], generator: generator);
        using var objective = new GatysObjective(net, content, style, "relu4_2", ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"],
            new LossWeights(1, 1e6, 1e-3, [1, 1, 1, 1, 1]));
        var lines = new List<string>();
        foreach (var optimizer in new[] { OptimizerOptions.Lbfgs, OptimizerOptions.Adam })
            StyleOptimizer.Run(objective, content, new OptimizerOptions(optimizer, OptimizerOptions.DefaultLearningRate(optimizer), 12),
                (step, terms, x, _) =>
                {
                    lines.Add($"{optimizer} {step}: {terms.Content:R} {terms.Style:R} {terms.Tv:R} {terms.Total:R} {PixelSum(x)}");
                    return true;
                }, CancellationToken.None);
        return string.Join("\n", lines);
    }

    private static long PixelSum(Tensor x)
    {
        using var image = ImageTensors.ToImage(x);
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        return bytes.Sum(b => (long)b);
    }
}
