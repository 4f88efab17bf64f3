using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Atelier.GpuWorker.Benchmarks;
using Atelier.GpuWorker.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using JobSpec = Atelier.Shared.Jobs.StyleTransferJob;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>
/// <c>bench style-transfer [--size S] [--device auto|cpu|cuda] [--iterations N] [--warmup W] [--rounds R] [--threads T] [--json]</c>:
/// optimisation iterations per second of L-BFGS and Adam on the built-in images at S×S (default 256), with the
/// default layers and random VGG19 weights (speed does not depend on the weights). One iteration is one loss and
/// gradient evaluation plus one update, as in the job. The optimisers alternate for R rounds (default 1) and each
/// reports its best round, which damps the noise of a shared machine. <c>--threads</c> sets libtorch's intra-op
/// threads (default: libtorch's choice, one per core). With <c>--json</c> the last line is
/// <c>{"size", "device", "iterations", "rounds", "threads", "lbfgs_iterations_per_second", "adam_iterations_per_second"}</c>.
/// </summary>
public sealed class StyleTransferBenchmark : IJobBenchmark
{
    private const string Usage = "usage: bench style-transfer [--size S] [--device auto|cpu|cuda] [--iterations N] [--warmup W] [--rounds R] [--threads T] [--json]";

    public string Kind => JobSpec.Kind;

    public int Run(string[] options, TextWriter output, TextWriter error)
    {
        int size = 256, iterations = 20, warmup = 3, rounds = 1, threads = 0;
        var deviceName = "auto";
        var json = false;
        for (var i = 0; i < options.Length; i++)
        {
            bool Int(out int value) => int.TryParse(i + 1 < options.Length ? options[++i] : "", NumberStyles.None, CultureInfo.InvariantCulture, out value);
            switch (options[i])
            {
                case "--size" when Int(out size) && size is >= 32 and <= 4096: break;
                case "--iterations" when Int(out iterations) && iterations >= 1: break;
                case "--warmup" when Int(out warmup) && warmup >= 0: break;
                case "--rounds" when Int(out rounds) && rounds >= 1: break;
                case "--threads" when Int(out threads) && threads >= 1: break;
                case "--device" when i + 1 < options.Length && options[i + 1] is "auto" or "cpu" or "cuda": deviceName = options[++i]; break;
                case "--json": json = true; break;
                default:
                    error.WriteLine($"bad option '{options[i]}' (size 32–4096, iterations >= 1, warmup >= 0, rounds >= 1, threads >= 1)\n{Usage}");
                    return 2;
            }
        }

        Device device;
        try
        {
            device = StyleTransferJob.ResolveDevice(deviceName, null);
        }
        catch (JobParameterException e)
        {
            error.WriteLine(e.Message);
            return 2;
        }

        if (threads > 0) torch.set_num_threads(threads);
        NativeHeap.FixMallocThresholds();
        using var scope = torch.NewDisposeScope();
        using var net = new Vgg19Features();
        VggWeights.InitRandom(net, 0);
        net.Freeze();
        net.to(device);
        using var contentImage = BuiltinImages.Render(JobSpec.BuiltinContent, size, size);
        using var styleImage = BuiltinImages.Render(JobSpec.BuiltinStyle, size, size);
        var content = ImageTensors.ToNormalized(contentImage, device);
        var style = ImageTensors.ToNormalized(styleImage, device);
        var layers = JobSpec.DefaultStyleLayers.Split(',');
        using var objective = new GatysObjective(net, content, style, JobSpec.DefaultContentLayer, layers,
            new LossWeights(1, 1e6, 1e-3, Enumerable.Repeat(1.0, layers.Length).ToArray()));

        output.WriteLine($"style-transfer bench: {size}×{size}, device {device}, {warmup} warm-up + {iterations} timed iterations "
                         + $"per optimiser and round, {rounds} round(s), {torch.get_num_threads()} intra-op threads");
        var rates = new Dictionary<string, double> { [OptimizerOptions.Lbfgs] = 0, [OptimizerOptions.Adam] = 0 };
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var optimizer in rates.Keys.ToList())
            {
                var rate = Measure(objective, content, optimizer, warmup, iterations, device);
                rates[optimizer] = Math.Max(rates[optimizer], rate);
                output.WriteLine($"round {round} {optimizer}: {rate:F3} iterations/s ({1000 / rate:F1} ms per iteration)");
            }
        }
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["size"] = size,
                ["device"] = device.ToString(),
                ["iterations"] = iterations,
                ["rounds"] = rounds,
                ["threads"] = torch.get_num_threads(),
                ["lbfgs_iterations_per_second"] = Math.Round(rates[OptimizerOptions.Lbfgs], 4),
                ["adam_iterations_per_second"] = Math.Round(rates[OptimizerOptions.Adam], 4),
            }));
        }
        return 0;
    }

    private static double Measure(GatysObjective objective, Tensor start, string optimizer, int warmup, int iterations, Device device)
    {
        // Step k is observed inside iteration k, after its evaluation: from step W to step W + N lie exactly N whole
        // iterations. One extra iteration keeps step W + N inside the loop rather than in the final evaluation.
        var options = new OptimizerOptions(optimizer, OptimizerOptions.DefaultLearningRate(optimizer), warmup + iterations + 1);
        var clock = new Stopwatch();
        StyleOptimizer.Run(objective, start, options, (step, _, _, _) =>
        {
            if (step == warmup)
            {
                Synchronize(device);
                clock.Restart();
            }
            else if (step == warmup + iterations)
            {
                Synchronize(device);
                clock.Stop();
            }
            return step < warmup + iterations;
        }, CancellationToken.None);
        return iterations / clock.Elapsed.TotalSeconds;
    }

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize(device);
    }
}
