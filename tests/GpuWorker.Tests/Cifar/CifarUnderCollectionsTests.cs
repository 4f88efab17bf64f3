using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Jobs.Cifar;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Tests.Cifar;

/// <summary>
/// The cifar training twice side by side, as two slots of one worker run them, while a third thread forces garbage collections
/// without pause: every Scalar handed to libtorch must outlive the call that reads it (see <see cref="KeptScalars"/>).
/// With the jobs' Scalars made on the fly, as before <see cref="KeptScalars"/>, the cifar run failed within seconds:
/// "For integral input tensors, argument alpha must not be a floating point number" (a freed alpha's memory reused).
/// </summary>
public sealed class CifarUnderCollectionsTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);

    private static readonly CifarOptions Cifar = new()
    {
        Width = 1.0 / 32, Dropout = 0.5, Lr = 0.05, BatchSize = 8, Epochs = 2, TrainSubset = 48, TestSubset = 16,
        Shifts = "real", Seed = 5,
    };

    [Fact]
    public void Two_cifar_trainings_under_constant_collections_fail_nothing_and_match_an_undisturbed_run()
    {
        // The synthetic data is made once, before the collections start: its generator still makes Scalars on the fly.
        using var data = CifarDataLoader.Load("", Cifar.TrainSubset, Cifar.TestSubset);
        AssertUndisturbed(() => TrainCifar(data));
    }

    /// <summary>Runs <paramref name="run"/> alone, then on two threads again and again for a while under forced collections.</summary>
    private static void AssertUndisturbed(Func<string> run)
    {
        var expected = run();
        using var stop = new CancellationTokenSource(Duration);
        var collections = 0;
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                collections++;
            }
        });
        var results = new List<string>[] { [], [] };
        var failures = new Exception?[2];
        var runners = Enumerable.Range(0, 2).Select(i => new Thread(() =>
        {
            try
            {
                while (!stop.IsCancellationRequested) results[i].Add(run());
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
        Assert.All(results, r => Assert.True(r.Count >= 2, $"only {r.Count} runs"));
        Assert.All(results.SelectMany(r => r), r => Assert.Equal(expected, r));
    }

    /// <summary>Two epochs and an evaluation from scratch: every metric and a digest of every weight and buffer.</summary>
    private static string TrainCifar(CifarDataset data)
    {
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
}
