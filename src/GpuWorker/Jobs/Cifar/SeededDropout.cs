using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// Dropout whose masks come from a generator the model owns (<see cref="Vgg19Cifar.SeedDropout"/>), not from torch's
/// process-wide one: trials that share a worker process (its slots run side by side) would otherwise draw from the same
/// generator in turns and change each other's masks, and a resumed run could not repeat its own. The computation is
/// PyTorch's on the CPU: noise ~ Bernoulli(1 − p), scaled by 1 / (1 − p), times the input.
/// </summary>
public sealed class SeededDropout(double p, Func<Generator?> generator) : nn.Module<Tensor, Tensor>("Dropout")
{
    public override Tensor forward(Tensor input)
    {
        // An alias, not the input itself: Sequential disposes each module's input once the next one has run.
        if (!training || p == 0) return input.alias();
        if (p >= 1) return input * zeros_like(input);
        var noise = empty_like(input).bernoulli_(1 - p, generator());
        noise.Over_(1 - p);
        return input * noise;
    }
}
