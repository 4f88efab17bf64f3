using System.Runtime.CompilerServices;
using Atelier.GpuWorker.Hosting;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Tests;

/// <summary>
/// The worker caps oneDNN at AVX2 before libtorch loads (<see cref="OneDnnIsa"/>); this test assembly does the same
/// first thing, and checks that convolution gradients are then finite where the AVX-512 kernels returned NaN.
/// </summary>
public static class OneDnnIsaTests
{
    [ModuleInitializer]
    internal static void CapBeforeTorchLoads() => OneDnnIsa.CapUnlessChosen();

    [Fact]
    public static void Convolution_gradients_with_eight_channels_are_always_finite()
    {
        torch.random.manual_seed(3);
        var nan = 0;
        for (var i = 0; i < 300; i++)
        {
            using var scope = NewDisposeScope();
            var x = randn(8, 8, 8, 8).requires_grad_(true);
            using var conv = nn.Conv2d(8, 8, 3, padding: 1);
            conv.forward(x).pow(2).sum().backward();
            if (x.grad!.isnan().any().item<bool>() || conv.weight!.grad!.isnan().any().item<bool>()) nan++;
        }
        Assert.True(nan == 0, $"{nan} of 300 convolution backward passes gave NaN gradients ({OneDnnIsa.Variable}={Environment.GetEnvironmentVariable(OneDnnIsa.Variable)})");
    }
}
