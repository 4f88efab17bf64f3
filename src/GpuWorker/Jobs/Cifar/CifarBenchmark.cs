using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Atelier.GpuWorker.Benchmarks;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// <c>bench cifar-vgg19 [--width W] [--batch B] [--device auto|cpu|cuda] [--steps N] [--rounds R] [--warmup N] [--threads N] [--json]</c>:
/// training images/s of (a) the forward/backward/SGD step on one resident, already normalised batch, (b) the full
/// pipeline as the job runs it (epoch plan, index_select, per-sample shift and flip, normalisation, step) and (c) the
/// input pipeline alone; the achieved rate of (a) counting conv and linear FLOPs ×3 for forward + backward, as a
/// fraction of the machine's peak (<see cref="ComputePeak"/>: the best large GEMM, or on a CPU the theoretical FMA peak
/// when that is higher). Each rate is the best of <c>--rounds</c> rounds of
/// <c>--steps</c> steps, the rounds of (a), (b) and (c) interleaved (a shared machine's load only ever slows a round
/// down). With <c>--json</c> the last line is one JSON object.
/// </summary>
public sealed class CifarBenchmark : IJobBenchmark
{
    public const string Usage =
        "usage: bench cifar-vgg19 [--width W] [--batch B] [--device auto|cpu|cuda] [--steps N] [--rounds R] [--warmup N] [--threads N] [--shifts whole|nearest|real] [--json]";

    public string Kind => Contracts.Jobs.CifarVgg19JobDefinition.Kind;

    public int Run(string[] options, TextWriter output, TextWriter error)
    {
        double? width = null;
        int batch = 128, steps = 20, rounds = 3, warmup = 3, threads = 0;
        var deviceName = "auto";
        var json = false;
        var shifts = "whole";
        try
        {
            for (var i = 0; i < options.Length; i++)
            {
                string Value() => i + 1 < options.Length ? options[++i] : throw new FormatException($"{options[i]} needs a value");
                switch (options[i])
                {
                    case "--width": width = Positive(double.Parse(Value(), CultureInfo.InvariantCulture), "--width"); break;
                    case "--batch": batch = (int)Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--batch"); break;
                    case "--steps": steps = (int)Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--steps"); break;
                    case "--rounds": rounds = (int)Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--rounds"); break;
                    case "--warmup": warmup = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                    case "--threads": threads = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                    case "--device": deviceName = Value(); break;
                    case "--shifts":
                        shifts = Value();
                        if (!CifarPipeline.ShiftModes.Contains(shifts)) throw new FormatException($"--shifts {shifts}: must be one of {string.Join(", ", CifarPipeline.ShiftModes)}");
                        break;
                    case "--json": json = true; break;
                    default: throw new FormatException($"unknown option '{options[i]}'");
                }
            }
            if (deviceName is not ("auto" or "cpu" or "cuda")) throw new FormatException($"--device {deviceName}: must be auto, cpu or cuda");
            if (warmup < 0 || threads < 0) throw new FormatException("--warmup and --threads must be >= 0");
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            error.WriteLine($"{e.Message}\n{Usage}");
            return 2;
        }

        Device device;
        try
        {
            device = CifarVgg19TrainingJob.ResolveDevice(deviceName, null);
        }
        catch (JobParameterException e)
        {
            error.WriteLine(e.Message);
            return 2;
        }
        if (threads > 0) torch.set_num_threads(threads);
        var cuda = device.type == DeviceType.CUDA;
        if (cuda)
        {
            torch.backends.cuda.matmul.allow_tf32 = true;
            torch.backends.cudnn.allow_tf32 = true;
        }
        var w = width ?? (cuda ? 1.0 : 0.25);
        var result = Measure(device, w, batch, steps, warmup, rounds, shifts);

        output.WriteLine($"cifar-vgg19 bench on {device} ({torch.get_num_threads()} CPU threads), width {w}, batch {batch}, {shifts} shifts, best of {rounds} rounds of {steps} steps after {warmup} warm-up");
        output.WriteLine($"  (a) compute  : {result.ComputeImagesPerSecond,10:F1} images/s");
        output.WriteLine($"  (b) pipeline : {result.PipelineImagesPerSecond,10:F1} images/s  ({result.PipelineImagesPerSecond / result.ComputeImagesPerSecond:P1} of compute)");
        output.WriteLine($"  (c) input pipeline alone: {result.InputOnlyImagesPerSecond,10:F1} images/s");
        output.WriteLine($"  training FLOPs/image {result.FlopsPerImage / 1e9:F3} GFLOP (3 × forward conv+linear)");
        output.WriteLine($"  achieved     : {result.AchievedGflops,10:F1} GFLOP/s = {result.AchievedGflops / result.Peak.Gflops:P1} of the {result.Peak.Source} peak {result.Peak.Gflops:F1} GFLOP/s");
        output.WriteLine($"  {result.Peak.Describe(cuda)}");
        if (json)
        {
            var fields = new Dictionary<string, object?>
            {
                ["job"] = Kind,
                ["device"] = device.ToString(),
                ["threads"] = torch.get_num_threads(),
                ["width"] = w,
                ["batch"] = batch,
                ["shifts"] = shifts,
                ["steps"] = steps,
                ["rounds"] = rounds,
                ["images_per_second_compute"] = Math.Round(result.ComputeImagesPerSecond, 2),
                ["images_per_second_pipeline"] = Math.Round(result.PipelineImagesPerSecond, 2),
                ["pipeline_ratio"] = Math.Round(result.PipelineImagesPerSecond / result.ComputeImagesPerSecond, 4),
                ["images_per_second_input_only"] = Math.Round(result.InputOnlyImagesPerSecond, 2),
                ["training_gflop_per_image"] = Math.Round(result.FlopsPerImage / 1e9, 6),
                ["achieved_gflops"] = Math.Round(result.AchievedGflops, 2),
            };
            foreach (var (key, value) in result.Peak.JsonFields()) fields[key] = value;
            fields["achieved_ratio"] = Math.Round(result.AchievedGflops / result.Peak.Gflops, 4);
            output.WriteLine(JsonSerializer.Serialize(fields));
        }
        return 0;
    }

    /// <summary>What <see cref="Measure"/> found.</summary>
    public sealed record Result(
        double ComputeImagesPerSecond,
        double PipelineImagesPerSecond,
        double InputOnlyImagesPerSecond,
        double FlopsPerImage,
        double AchievedGflops,
        ComputePeak Peak);

    /// <summary>Runs the three measurements on <paramref name="device"/>.</summary>
    public static Result Measure(Device device, double width, int batch, int steps, int warmup, int rounds = 1, string shifts = "whole")
    {
        var peak = ComputePeak.Measure(device);

        // Random bytes exercise the pipeline exactly as real images do; enough for several shuffled epochs' worth.
        var count = Math.Max(4L * batch, Math.Min(50_000L, (long)batch * (steps * rounds + warmup)));
        var options = new CifarOptions { Width = width, BatchSize = batch, Epochs = 1_000_000, CheckpointEvery = 0 };
        CifarPipeline pipeline;
        using (var data = new CifarDataset(
                   new CifarSplit(randint(0, 256, [count, 3, 32, 32], dtype: ScalarType.Byte), randint(0, 10, [count], dtype: ScalarType.Int64)),
                   new CifarSplit(randint(0, 256, [2, 3, 32, 32], dtype: ScalarType.Byte), randint(0, 10, [2], dtype: ScalarType.Int64)),
                   "random"))
            pipeline = new CifarPipeline(data, device, augment: true, normalize: "mean_std", shifts);
        using var _ = pipeline;
        using var trainer = new CifarTrainer(options, pipeline);
        using var lossSum = zeros(1, ScalarType.Float64, device);
        using var hits = zeros(1, ScalarType.Int64, device);

        // (a) one resident batch, already normalised: nothing but the model and the optimiser.
        using var fixedGenerator = new Generator(1, CPU);
        using var fixedPlan = pipeline.Plan(fixedGenerator);
        var (images, labels) = pipeline.TrainBatch(fixedPlan, 0, batch);
        using var residentImages = images;
        using var residentLabels = labels;
        void Compute() => trainer.Step(residentImages, residentLabels, lossSum, hits);

        // (b) the job's own batch path, with a new epoch plan (order, shifts, flips) per pass over the set.
        using var generator = new Generator(2, CPU);
        var plan = pipeline.Plan(generator);
        var step = 0;
        void Pipeline()
        {
            if (step == trainer.StepsPerEpoch)
            {
                plan.Dispose();
                plan = pipeline.Plan(generator);
                step = 0;
            }
            trainer.TrainBatch(0, step++, plan, lossSum, hits);
        }

        // (c) the input pipeline alone (batches made and dropped), to see what it costs.
        var inputStep = 0;
        void InputOnly()
        {
            var (batchImages, _) = pipeline.TrainBatch(fixedPlan, (long)(inputStep++ % trainer.StepsPerEpoch) * batch, batch);
            lossSum.Plus_(batchImages[0, 0, 0, 0].to(ScalarType.Float64)); // keeps the batch alive until synchronised
        }

        // Rounds alternate between the three, so that a shared machine's load falls on all of them alike.
        var actions = new Action[] { Compute, Pipeline, InputOnly };
        foreach (var action in actions) Run(device, warmup, lossSum, action);
        var best = new double[actions.Length];
        for (var round = 0; round < rounds; round++)
            for (var a = 0; a < actions.Length; a++)
                best[a] = Math.Max(best[a], steps / Run(device, steps, lossSum, actions[a]) * batch);
        plan.Dispose();

        var (compute, pipelineRate, inputOnly) = (best[0], best[1], best[2]);
        var flops = 3 * Vgg19Cifar.ForwardFlopsPerImage(width);
        return new Result(compute, pipelineRate, inputOnly, flops, compute * flops / 1e9, peak);
    }

    /// <summary>Seconds for <paramref name="steps"/> calls of <paramref name="step"/>, each in a dispose scope, synchronised at the end.</summary>
    private static double Run(Device device, int steps, Tensor sync, Action step)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            step();
        }
        Synchronize(device, sync);
        return clock.Elapsed.TotalSeconds;
    }

    private static void Synchronize(Device device, Tensor sync)
    {
        _ = sync.item<double>();
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize(device);
    }

    private static double Positive(double value, string option) =>
        value > 0 ? value : throw new FormatException($"{option} must be > 0");
}
