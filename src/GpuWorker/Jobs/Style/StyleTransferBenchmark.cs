using System.Diagnostics;
using Atelier.Contracts.Jobs;
using System.Globalization;
using System.Text.Json;
using Atelier.GpuWorker.Benchmarks;
using Atelier.GpuWorker.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>
/// <c>bench style-transfer [--size S] [--device auto|cpu|cuda] [--iterations N] [--warmup W] [--rounds R] [--threads T] [--json]</c>:
/// optimisation iterations per second of L-BFGS and Adam on the built-in images at S×S (default 256), with the
/// default layers and random VGG19 weights (speed does not depend on the weights). One iteration is one loss and
/// gradient evaluation plus one update, as in the job. The optimisers alternate for R rounds (default 1) and each
/// reports its best round, which damps the noise of a shared machine. <c>--threads</c> sets libtorch's intra-op
/// threads (default: libtorch's choice, one per core). The faster optimiser's GFLOP/s (<see cref="IterationFlops"/> per
/// iteration) is compared with the machine's peak (<see cref="ComputePeak"/>). With <c>--json</c> the last line is
/// <c>{"size", "device", "iterations", "rounds", "threads", "lbfgs_iterations_per_second", "adam_iterations_per_second",
/// "iteration_gflop", "achieved_gflops", "matmul_gflops", "matmul_size", "gemm_gflops", "gemm_tf32", "fma_peak",
/// "peak_gflops", "peak_source", "achieved_ratio"}</c>.
/// </summary>
public sealed class StyleTransferBenchmark : IJobBenchmark
{
    private const string Usage = "usage: bench style-transfer [--size S] [--device auto|cpu|cuda] [--iterations N] [--warmup W] [--rounds R] [--threads T] [--json]";

    public string Kind => StyleTransferJobDefinition.Kind;

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
        var peak = ComputePeak.Measure(device);
        using var scope = torch.NewDisposeScope();
        using var net = new Vgg19Features();
        VggWeights.InitRandom(net, 0);
        net.Freeze();
        net.to(device);
        using var contentImage = BuiltinImages.Render(StyleTransferJobDefinition.BuiltinContent, size, size);
        using var styleImage = BuiltinImages.Render(StyleTransferJobDefinition.BuiltinStyle, size, size);
        var content = ImageTensors.ToNormalized(contentImage, device);
        var style = ImageTensors.ToNormalized(styleImage, device);
        var layers = StyleTransferJobDefinition.DefaultStyleLayers.Split(',');
        var iterationFlops = IterationFlops(size, StyleTransferJobDefinition.DefaultContentLayer, layers);
        using var objective = new GatysObjective(net, content, style, StyleTransferJobDefinition.DefaultContentLayer, layers,
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
        var achieved = rates.Values.Max() * iterationFlops / 1e9;
        output.WriteLine($"achieved: {achieved:F1} GFLOP/s ({iterationFlops / 1e9:F3} GFLOP per iteration, faster optimiser) = "
                         + $"{achieved / peak.Gflops:P1} of the {peak.Source} peak {peak.Gflops:F1} GFLOP/s");
        output.WriteLine(peak.Describe(device.type == DeviceType.CUDA));
        if (json)
        {
            var fields = new Dictionary<string, object?>
            {
                ["size"] = size,
                ["device"] = device.ToString(),
                ["iterations"] = iterations,
                ["rounds"] = rounds,
                ["threads"] = torch.get_num_threads(),
                ["lbfgs_iterations_per_second"] = Math.Round(rates[OptimizerOptions.Lbfgs], 4),
                ["adam_iterations_per_second"] = Math.Round(rates[OptimizerOptions.Adam], 4),
                ["iteration_gflop"] = Math.Round(iterationFlops / 1e9, 6),
                ["achieved_gflops"] = Math.Round(achieved, 2),
            };
            foreach (var (key, value) in peak.JsonFields()) fields[key] = value;
            fields["achieved_ratio"] = Math.Round(achieved / peak.Gflops, 4);
            output.WriteLine(JsonSerializer.Serialize(fields));
        }
        return 0;
    }

    /// <summary>
    /// FLOPs of one loss-and-gradient evaluation on a <paramref name="size"/>² image: VGG19's convolutions up to the
    /// deepest layer used (2·9·C_in·C_out·H·W each), twice, for the forward pass and the gradient with respect to
    /// the input (the weights are frozen, so no weight gradients); and per style layer the Gram product
    /// F·Fᵀ (2·C²·H·W) and its two backward products. Pooling, ReLU, losses and the update are left out (under 1 %).
    /// </summary>
    public static double IterationFlops(int size, string contentLayer, IReadOnlyList<string> styleLayers)
    {
        var names = StyleTransferJobDefinition.Vgg19LayerNames;
        var deepest = styleLayers.Append(contentLayer).Max(Vgg19Features.IndexOf);
        double side = size, conv = 0, gram = 0;
        var channels = 3L;
        var config = 0; // Vgg19Config lists each convolution's output channels, 0 for each pool, in module order
        for (var i = 0; i <= deepest; i++)
        {
            if (names[i].StartsWith("conv", StringComparison.Ordinal))
            {
                var outChannels = StyleTransferJobDefinition.Vgg19Config[config++];
                conv += 2.0 * 9 * channels * outChannels * side * side;
                channels = outChannels;
            }
            else if (names[i].StartsWith("pool", StringComparison.Ordinal))
            {
                config++;
                side = Math.Floor(side / 2);
            }
            if (styleLayers.Contains(names[i])) gram += 3 * 2.0 * channels * channels * side * side;
        }
        return 2 * conv + gram;
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
