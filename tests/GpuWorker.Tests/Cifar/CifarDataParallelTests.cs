using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Jobs.Cifar;
using Atelier.Contracts.Jobs;
using Atelier.Contracts.Specs;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Atelier.GpuWorker.Tests.Cifar;

/// <summary>
/// Data-parallel <c>cifar-vgg19</c> over several devices, exercised with repeated CPU devices: the update equals the
/// full batch's, replicas follow the master, checkpoints move between device counts, small batches, no leaks.
/// </summary>
public sealed class CifarDataParallelTests : IDisposable
{
    private static readonly CifarOptions Options = new()
    {
        Width = 1.0 / 32, Dropout = 0, Lr = 0.05, BatchSize = 16, Epochs = 4, TrainSubset = 40, TestSubset = 16,
    };

    private static readonly string[] Tiny =
        ["width=0.03125", "epochs=2", "train_subset=40", "test_subset=16", "batch_size=16", "checkpoint_every=1", "lr=0.02"];

    private static readonly Device[] TwoCpus = [CPU, CPU];

    private readonly string _dir = Directory.CreateTempSubdirectory("atelier-cifar-dp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(16, 2, new long[] { 8, 8 })]
    [InlineData(7, 2, new long[] { 4, 3 })]
    [InlineData(10, 3, new long[] { 4, 3, 3 })]
    [InlineData(5, 3, new long[] { 3, 2 })] // three chunks would leave one image alone
    [InlineData(2, 3, new long[] { 2 })]
    [InlineData(1, 2, new long[] { 1 })]
    public void Batches_split_into_contiguous_chunks_of_at_least_two(long count, int devices, long[] sizes)
    {
        var chunks = DataParallel.ChunksFor(count, devices);

        var split = Enumerable.Range(0, chunks).Select(i => DataParallel.Chunk(count, chunks, i)).ToList();

        Assert.Equal(sizes, split.Select(c => c.Count));
        Assert.Equal(split.Select(c => c.Start), split.Select((_, i) => split.Take(i).Sum(c => c.Count)));
    }

    [Fact]
    public void With_eval_mode_batchnorm_two_devices_make_the_update_of_one_over_the_whole_batch()
    {
        using var data = CifarDataLoader.Load("", Options.TrainSubset, Options.TestSubset);
        using var pipeline = new CifarPipeline(data, CPU, augment: false, normalize: "mean_std");
        using var parallel = new CifarTrainer(Options, pipeline, TwoCpus);
        using var single = new CifarTrainer(Options, pipeline);
        single.Model.load_state_dict(parallel.Model.state_dict());
        // Running statistics make BatchNorm a per-image function, so the chunks' weighted gradients sum to the batch's.
        parallel.Model.eval();
        single.Model.eval();

        for (var step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            var (images, labels) = pipeline.TestBatch(step, 7); // chunks of 4 and 3: unequal weights
            var (parallelLoss, parallelHits) = (zeros(1, ScalarType.Float64), zeros(1, ScalarType.Int64));
            var (singleLoss, singleHits) = (zeros(1, ScalarType.Float64), zeros(1, ScalarType.Int64));

            parallel.Step(images, labels, parallelLoss, parallelHits);
            single.Step(images, labels, singleLoss, singleHits);

            Assert.Equal(singleLoss.item<double>(), parallelLoss.item<double>(), 1e-5);
            Assert.Equal(singleHits.item<long>(), parallelHits.item<long>());
        }
        AssertClose(single.Model, parallel.Model, 1e-5);
    }

    [Fact]
    public void With_training_batchnorm_the_update_is_the_chunks_gradients_weighted_by_their_size()
    {
        using var data = CifarDataLoader.Load("", Options.TrainSubset, Options.TestSubset);
        using var pipeline = new CifarPipeline(data, CPU, augment: false, normalize: "mean_std");
        using var parallel = new CifarTrainer(Options, pipeline, TwoCpus);
        using var single = new CifarTrainer(Options, pipeline);
        single.Model.load_state_dict(parallel.Model.state_dict());
        parallel.Model.train();
        single.Model.train();

        for (var step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            var (images, labels) = pipeline.TestBatch(step, 7);
            parallel.Step(images, labels, zeros(1, ScalarType.Float64), zeros(1, ScalarType.Int64));

            // The reference: one model, each chunk's mean loss weighted by its share (4/7, 3/7), one step.
            single.Optimizer.ZeroGrad();
            foreach (var (start, count) in new[] { (0L, 4L), (4L, 3L) })
            {
                var logits = single.Model.forward(images.narrow(0, start, count));
                (functional.cross_entropy(logits, labels.narrow(0, start, count)) * (count / 7.0)).backward();
            }
            single.Optimizer.Step(Options.Lr);
        }
        AssertClose(single.Model, parallel.Model, 1e-5, parametersOnly: true);
    }

    [Fact]
    public void After_a_step_every_replica_holds_exactly_the_masters_parameters_and_buffers()
    {
        using var data = CifarDataLoader.Load("", Options.TrainSubset, Options.TestSubset);
        using var pipeline = new CifarPipeline(data, CPU, augment: true, normalize: "mean_std");
        using var trainer = new CifarTrainer(Options with { Dropout = 0.5 }, pipeline, [CPU, CPU, CPU]);
        var before = trainer.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        trainer.TrainEpoch(0, CancellationToken.None);

        var master = trainer.Model.state_dict();
        Assert.False(Identical(before["features.1.running_mean"], master["features.1.running_mean"]));
        Assert.Equal(3L, master["features.1.num_batches_tracked"].item<long>()); // 40 images: 3 steps
        Assert.Equal(2, trainer.DataParallel!.ReplicaCount);
        foreach (var replica in trainer.DataParallel.Replicas)
        {
            var state = replica.state_dict();
            Assert.Equal(master.Keys.Order(), state.Keys.Order());
            foreach (var (name, value) in master)
                Assert.True(Identical(value, state[name]), name);
        }
        foreach (var t in before.Values) t.Dispose();
    }

    [Fact]
    public void A_two_device_run_reports_the_metrics_of_a_one_device_run_and_its_checkpoint_resumes_on_one_device()
    {
        var one = new Recorder();
        var oneResult = Run(Params(), Path.Combine(_dir, "one"), ["cpu"], resume: false, one);
        var two = new Recorder();
        var twoDir = Path.Combine(_dir, "two");

        var twoResult = Run(Params(), twoDir, ["cpu", "cpu"], resume: false, two);

        Assert.Equal(new long[] { 1, 2 }, two.Steps);
        Assert.Equal(one.Reported[0].Keys.Order(), two.Reported[0].Keys.Order());
        Assert.Equal(oneResult.FinalMetrics.Keys.Order(), twoResult.FinalMetrics.Keys.Order());
        Assert.All(two.Reported.SelectMany(r => r.Values), v => Assert.True(double.IsFinite(v)));
        using (var model = new Vgg19Cifar(0.03125))
            model.load_safetensors(Path.Combine(twoDir, "model.safetensors"));

        var resumed = new Recorder();
        Run(Params(("epochs", ParamValue.Of(3L))), twoDir, ["cpu"], resume: true, resumed);
        Assert.Equal(new long[] { 3 }, resumed.Steps);

        // And the other way: a one-device checkpoint continues on two devices.
        var back = new Recorder();
        Run(Params(("epochs", ParamValue.Of(3L))), Path.Combine(_dir, "one"), ["cpu", "cpu"], resume: true, back);
        Assert.Equal(new long[] { 3 }, back.Steps);
    }

    [Theory]
    [InlineData(2L, 8L)]  // every batch stays on the master
    [InlineData(5L, 12L)] // batches of 5 on two of the three devices, the last batch of 2 on the master
    public void A_three_device_run_with_batches_too_small_for_three_chunks_trains(long batch, long images)
    {
        var recorder = new Recorder();

        var result = Run(Params(("batch_size", ParamValue.Of(batch)), ("train_subset", ParamValue.Of(images)), ("epochs", ParamValue.Of(1L))),
            _dir, ["cpu", "cpu", "cpu"], resume: false, recorder);

        Assert.Single(recorder.Reported);
        Assert.True(double.IsFinite(recorder.Reported[0]["train_loss"]));
        Assert.InRange(result.FinalMetrics["test_accuracy"], 0, 1);
    }

    [Fact]
    public void No_tensor_leaks_across_data_parallel_epochs_on_any_thread()
    {
        using var data = CifarDataLoader.Load("", Options.TrainSubset, Options.TestSubset);
        using var pipeline = new CifarPipeline(data, CPU, augment: true, normalize: "mean_std");
        using var trainer = new CifarTrainer(Options, pipeline, TwoCpus);
        trainer.TrainEpoch(0, CancellationToken.None);
        trainer.Evaluate();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var replicaLive = trainer.DataParallel!.ReplicaThreadLiveTensors;
        var total = Tensor.TotalCount; // every thread's tensors; finalisers can only lower it

        for (var epoch = 1; epoch < 4; epoch++)
        {
            trainer.TrainEpoch(epoch, CancellationToken.None);
            trainer.Evaluate();
        }

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(replicaLive, trainer.DataParallel.ReplicaThreadLiveTensors);
        Assert.True(Tensor.TotalCount <= total, $"{Tensor.TotalCount - total} more tensors alive");
    }

    private static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static void AssertClose(Vgg19Cifar expected, Vgg19Cifar actual, double tolerance, bool parametersOnly = false)
    {
        using var scope = NewDisposeScope();
        var actualState = actual.state_dict();
        foreach (var (name, value) in expected.state_dict())
        {
            if (parametersOnly && (name.Contains("running_", StringComparison.Ordinal) || name.EndsWith("num_batches_tracked", StringComparison.Ordinal))) continue;
            var difference = (value.to(ScalarType.Float64) - actualState[name].to(ScalarType.Float64)).abs().max().item<double>();
            Assert.True(difference <= tolerance, $"{name}: differs by {difference}");
        }
    }

    private static JobParameters Params(params (string Name, ParamValue Value)[] overrides)
    {
        var given = Tiny.Select(p => p.Split('=')).ToDictionary(
            kv => kv[0],
            kv => ParamValue.Parse(kv[1], CifarVgg19JobDefinition.Definition.Find(kv[0])!.Type));
        foreach (var (name, value) in overrides) given[name] = value;
        return new JobParameters(CifarVgg19JobDefinition.Definition, given);
    }

    private static JobResult Run(JobParameters parameters, string dir, string[] devices, bool resume, Recorder recorder)
    {
        Directory.CreateDirectory(dir);
        return new CifarVgg19TrainingJob().Run(new JobContext("test", 1, parameters, dir, recorder, resume, CancellationToken.None, devices));
    }

    private sealed class Recorder : IJobReporter
    {
        public List<long> Steps { get; } = [];

        public List<IReadOnlyDictionary<string, double>> Reported { get; } = [];

        public void Metrics(long step, IReadOnlyDictionary<string, double> values)
        {
            Steps.Add(step);
            Reported.Add(values);
        }

        public void Artifact(string kind, string path) { }

        public void Checkpoint(long step, string path) { }
    }
}
