using System.Runtime.CompilerServices;
using Atelier.GpuWorker.Hosting;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Tests;

/// <summary>
/// The worker caps oneDNN at AVX2 before libtorch loads (<see cref="OneDnnIsa"/>), then keeps libtorch's CPU
/// convolutions off oneDNN (<see cref="CpuConvolutions"/>); this test assembly does the same first thing, and checks
/// that convolution gradients are then finite where oneDNN's kernels returned NaN.
/// </summary>
public static class OneDnnIsaTests
{
    [ModuleInitializer]
    internal static void ConfigureBeforeTorchRuns()
    {
        OneDnnIsa.CapUnlessChosen();
        CpuConvolutions.KeepOnNativeKernelsUnlessChosen();
    }

    [Fact]
    public static void Libtorch_convolves_on_the_cpu_without_onednn_unless_asked()
    {
        var chosen = CpuConvolutions.OneDnnChosen();
        Assert.Equal((chosen, chosen), CpuConvolutions.Backends());
        Assert.False(chosen, $"this test run sets {CpuConvolutions.Variable}=on");
    }

    /// <summary>
    /// Two threads at once, as a worker's slots or data-parallel replicas run, over layers of 4 and 8 channels (fewer
    /// than a vector block, where oneDNN's backward pass returned NaN). With <c>ATELIER_CPU_ONEDNN=on</c> this fails.
    /// </summary>
    [Fact]
    public static void Convolution_gradients_of_narrow_layers_on_two_threads_at_once_are_always_finite()
    {
        var nan = new int[2];
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() => nan[t] = NanGradients(t, 400))).ToList();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        Assert.True(nan.Sum() == 0, $"{nan.Sum()} of 800 convolution backward passes gave NaN gradients ({CpuConvolutions.Variable}={Environment.GetEnvironmentVariable(CpuConvolutions.Variable)}, {OneDnnIsa.Variable}={Environment.GetEnvironmentVariable(OneDnnIsa.Variable)})");
    }

    private static int NanGradients(int seed, int passes)
    {
        using var generator = new Generator((ulong)seed + 3);
        var nan = 0;
        for (var i = 0; i < passes; i++)
        {
            using var scope = NewDisposeScope();
            var channels = i % 2 == 0 ? 8 : 4;
            var x = randn([16, channels, 8, 8], generator: generator).requires_grad_(true);
            using var conv = nn.Conv2d(channels, channels, 3, padding: 1);
            conv.forward(x).pow(2).sum().backward();
            if (x.grad!.isnan().any().item<bool>() || conv.weight!.grad!.isnan().any().item<bool>()) nan++;
        }
        return nan;
    }
}
