using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// The training loop of <see cref="Vgg19Cifar"/>: SGD (Nesterov) with weight decay, the schedule of
/// <see cref="LrSchedule"/>, batches from <see cref="CifarPipeline"/>. Every batch runs inside a dispose scope and
/// accumulates its loss and hits on the device, so an epoch synchronises with the device only at its end.
/// Randomness is reseeded from (seed, epoch) at each epoch start, which makes a resumed run identical to an
/// uninterrupted one. Given several devices, it trains data-parallel over them (<see cref="DataParallel"/>); the
/// pipeline, <see cref="Model"/> and <see cref="Optimizer"/> live on the first.
/// </summary>
public sealed class CifarTrainer : IDisposable
{
    private const long EvalBatch = 500;
    private double _lr;

    /// <param name="devices">Null or one device: the pipeline's. Several: data parallel over them, the pipeline's first.</param>
    public CifarTrainer(CifarOptions options, CifarPipeline pipeline, IReadOnlyList<Device>? devices = null)
    {
        Options = options;
        Pipeline = pipeline;
        Device = pipeline.Device;
        // Every draw comes from generators of this trial's own, never from torch's process-wide one: the slots of a worker
        // run trials side by side in one process.
        Model = new Vgg19Cifar(options.Width, CifarDataset.Classes, options.Dropout, initSeed: options.Seed, options.HeadBatchNorm);
        Model.to(Device);

        // Keras' kernel_regularizer decays conv and dense kernels only; "all" decays every parameter as a plain
        // PyTorch SGD(model.parameters(), weight_decay=wd) does.
        var named = Model.named_parameters().ToList();
        bool Decays(string name, Parameter p) => options.WeightDecayScope == "all" || (p.ndim > 1 && name.EndsWith(".weight", StringComparison.Ordinal));
        var decayed = named.Where(x => Decays(x.name, x.parameter)).ToList();
        var plain = named.Where(x => !Decays(x.name, x.parameter)).ToList();
        Optimizer = new FlatSgd(decayed.Select(x => x.parameter).ToList(), plain.Select(x => x.parameter).ToList(),
            options.Momentum, options.WeightDecay, options.Nesterov);
        if (devices is { Count: > 1 })
        {
            if (devices[0].type != Device.type || devices[0].index != Device.index)
                throw new ArgumentException($"the first device ({devices[0]}) must be the pipeline's ({Device})", nameof(devices));
            // The names in the order of the optimizer's parameters: decayed first, then the rest.
            var names = decayed.Concat(plain).Select(x => x.name).ToList();
            DataParallel = new DataParallel(Model, Optimizer, names, devices, () => new Vgg19Cifar(options.Width, CifarDataset.Classes, options.Dropout, initSeed: 0, options.HeadBatchNorm));
        }

        // A last batch of one image cannot train BatchNorm; it is left out of that epoch (it is drawn at random).
        var n = pipeline.TrainCount;
        StepsPerEpoch = checked((int)(n / options.BatchSize + (n % options.BatchSize > 1 ? 1 : 0)));
        if (StepsPerEpoch == 0)
            throw new JobParameterException($"parameter batch_size = {options.BatchSize}: the training set has only {n} image(s); at least 2 are needed");
        Schedule = LrSchedule.From(options, StepsPerEpoch);
        _lr = options.Lr;
    }

    public CifarOptions Options { get; }

    public CifarPipeline Pipeline { get; }

    public Device Device { get; }

    public Vgg19Cifar Model { get; }

    public FlatSgd Optimizer { get; }

    /// <summary>The replicas on the further devices; null with one device.</summary>
    public DataParallel? DataParallel { get; }

    public int StepsPerEpoch { get; }

    public LrSchedule Schedule { get; }

    /// <summary>Images trained on per epoch (a last batch of one is skipped).</summary>
    public long ImagesPerEpoch => Math.Min(Pipeline.TrainCount, (long)StepsPerEpoch * Options.BatchSize);

    /// <summary>Trains one epoch (<paramref name="epoch"/> is 0-based) and returns its training metrics.</summary>
    public TrainMetrics TrainEpoch(int epoch, CancellationToken cancellation)
    {
        using var epochScope = NewDisposeScope();
        Model.train();
        DataParallel?.Broadcast(); // the master may have been loaded from a checkpoint since the last step
        Model.SeedDropout(EpochSeed(Options.Seed, epoch, 1));
        DataParallel?.SeedDropout(EpochSeed(Options.Seed, epoch, 1));
        using var generator = new Generator(unchecked((ulong)EpochSeed(Options.Seed, epoch, 2)), CPU);
        var lossSum = zeros(1, ScalarType.Float64, Device);
        var hits = zeros(1, ScalarType.Int64, Device);
        using var plan = Pipeline.Plan(generator);

        var clock = Stopwatch.StartNew();
        for (var step = 0; step < StepsPerEpoch; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            TrainBatch(epoch, step, plan, lossSum, hits);
        }
        var count = (double)ImagesPerEpoch;
        var loss = lossSum.item<double>() / count; // the first synchronisation of the epoch
        var accuracy = hits.item<long>() / count;
        var seconds = clock.Elapsed.TotalSeconds;
        return new TrainMetrics(loss, accuracy, Schedule.At(epoch, 0), count / seconds, seconds);
    }

    /// <summary>
    /// Batch <paramref name="step"/> of <paramref name="epoch"/>: the scheduled learning rate, the images at that
    /// position of the epoch's <paramref name="plan"/> through the pipeline, then <see cref="Step"/>. The caller
    /// holds the dispose scope.
    /// </summary>
    public void TrainBatch(int epoch, int step, EpochPlan plan, Tensor lossSum, Tensor hits)
    {
        _lr = Schedule.At(epoch, step);
        var start = (long)step * Options.BatchSize;
        var (images, labels) = Pipeline.TrainBatch(plan, start, Math.Min(Options.BatchSize, Pipeline.TrainCount - start));
        Step(images, labels, lossSum, hits);
    }

    /// <summary>
    /// One optimisation step on a ready batch, adding the batch's summed loss to <paramref name="lossSum"/> and its
    /// correct predictions to <paramref name="hits"/> (both on the device; nothing is read back).
    /// </summary>
    public void Step(Tensor images, Tensor labels, Tensor lossSum, Tensor hits)
    {
        if (DataParallel is not null)
        {
            DataParallel.Step(images, labels, lossSum, hits, _lr);
            return;
        }
        Optimizer.ZeroGrad();
        var logits = Model.forward(images);
        var loss = functional.cross_entropy(logits, labels);
        loss.backward();
        Optimizer.Step(_lr);
        using var _ = no_grad();
        lossSum.Plus_(loss.detach().to(ScalarType.Float64).Times(labels.shape[0]));
        hits.Plus_(logits.argmax(1).eq(labels).sum());
    }

    /// <summary>Loss and accuracy on the test split (eval mode, no augmentation), overall and per class.</summary>
    public EvalMetrics Evaluate()
    {
        using var evalScope = NewDisposeScope();
        Model.eval();
        using var _ = no_grad();
        var lossSum = zeros(1, ScalarType.Float64, Device);
        var classHits = zeros(CifarDataset.Classes, ScalarType.Float64, Device);
        var total = Pipeline.TestCount;
        for (long start = 0; start < total; start += EvalBatch)
        {
            using var scope = NewDisposeScope();
            var (images, labels) = Pipeline.TestBatch(start, Math.Min(EvalBatch, total - start));
            var logits = Model.forward(images);
            lossSum.Plus_(functional.cross_entropy(logits, labels, reduction: Reduction.Sum).to(ScalarType.Float64));
            classHits.index_add_(0, labels, logits.argmax(1).eq(labels).to(ScalarType.Float64), KeptScalars.One);
        }
        var counts = Pipeline.TestLabels.bincount(null, CifarDataset.Classes).to(ScalarType.Float64);
        var hits = classHits.cpu().data<double>().ToArray();
        var perClass = counts.cpu().data<double>().Select((c, i) => c > 0 ? hits[i] / c : double.NaN).ToArray();
        return new EvalMetrics(lossSum.item<double>() / total, hits.Sum() / total, perClass);
    }

    /// <summary>A 63-bit seed for <paramref name="stream"/> of <paramref name="epoch"/> (SplitMix64 finaliser).</summary>
    public static long EpochSeed(long seed, int epoch, int stream)
    {
        unchecked
        {
            var z = (ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch * 0xBF58476D1CE4E5B9UL + (ulong)stream * 0x94D049BB133111EBUL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (long)((z ^ (z >> 31)) >> 1);
        }
    }

    public void Dispose()
    {
        DataParallel?.Dispose();
        Optimizer.Dispose();
        Model.Dispose();
    }
}

/// <summary>What one training epoch measured: mean loss and accuracy on the (augmented) batches, lr at its start, speed.</summary>
public sealed record TrainMetrics(double Loss, double Accuracy, double Lr, double ImagesPerSecond, double Seconds);

/// <summary>Test loss and accuracy, and the accuracy of each class (NaN for a class absent from the test split).</summary>
public sealed record EvalMetrics(double Loss, double Accuracy, IReadOnlyList<double> PerClass);
