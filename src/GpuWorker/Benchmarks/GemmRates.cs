using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Benchmarks;

/// <summary>The float32 GFLOP/s of one n×n by n×n matmul size (2n³ FLOPs each).</summary>
public sealed record GemmRate(int Size, double Gflops);

/// <summary>Times large square float32 matmuls, the nearest thing to a measured peak that torch offers.</summary>
public static class GemmRates
{
    /// <summary>
    /// Sizes large enough to reach the peak: a GPU needs 4096–8192 to fill its SMs; on a CPU 3072 takes about half a
    /// second per product on two cores, so the three sizes cost a few seconds in all.
    /// </summary>
    public static int[] Sizes(Device device) => device.type == DeviceType.CUDA ? [2048, 4096, 8192] : [1024, 2048, 3072];

    /// <summary>
    /// Each size after one warm-up product: the best of three samples of at least 0.1 s (a shared machine's load only
    /// ever slows a sample down). On CUDA with <paramref name="tf32"/> the products may use TF32, as the job's own
    /// convolutions and matmuls do; the matmul setting is restored afterwards.
    /// </summary>
    public static IReadOnlyList<GemmRate> Measure(Device device, bool tf32)
    {
        var cuda = device.type == DeviceType.CUDA;
        var tf32Before = cuda && torch.backends.cuda.matmul.allow_tf32;
        if (cuda) torch.backends.cuda.matmul.allow_tf32 = tf32;
        try
        {
            return Sizes(device).Select(n => new GemmRate(n, Best(device, n))).ToList();
        }
        finally
        {
            if (cuda) torch.backends.cuda.matmul.allow_tf32 = tf32Before;
        }
    }

    private static double Best(Device device, int n)
    {
        using var scope = NewDisposeScope();
        var a = randn([n, n], device: device);
        var b = randn([n, n], device: device);
        using (matmul(a, b)) Synchronize(device);
        var best = 0.0;
        for (var sample = 0; sample < 3; sample++)
        {
            var clock = Stopwatch.StartNew();
            var products = 0;
            do
            {
                matmul(a, b).Dispose();
                // Bounds the queue of asynchronous CUDA products without a sync after each one.
                if (++products % 8 == 0) Synchronize(device);
            } while (clock.Elapsed.TotalSeconds < 0.1);
            Synchronize(device);
            best = Math.Max(best, 2.0 * n * n * n * products / clock.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize(device);
    }
}
