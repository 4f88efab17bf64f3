using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// PyTorch's SGD (momentum, dampening 0, optional Nesterov, L2 weight decay added to the gradient) over parameters
/// that live in one flat buffer, with their gradients in a second one and the momentum in a third. A step is five
/// tensor ops and zeroing the gradients one, however many parameters the model has — instead of several ops per
/// parameter, which on a GPU costs a kernel launch each. The parameters are ordered decayed-first, so weight decay
/// touches one leading slice of the buffers.
/// </summary>
/// <remarks>
/// Each parameter is re-pointed (<c>set_</c>) at its slice of the flat buffer and its <c>.grad</c> is a view of the
/// flat gradient, into which autograd accumulates in place. The update equals PyTorch's: with
/// g = ∇ + wd·w on the decayed slice, buf ← m·buf + g (buf starts at 0, so the first step gives buf = g as
/// PyTorch's clone does), w ← w − lr·(g + m·buf) with Nesterov, else w ← w − lr·buf.
/// </remarks>
public sealed class FlatSgd : IDisposable
{
    private readonly Tensor _params;
    private readonly Tensor _grads;
    private readonly Tensor _momentum;
    private readonly long _decayed;

    /// <param name="decayed">Parameters that get weight decay.</param>
    /// <param name="rest">Parameters that do not.</param>
    public FlatSgd(IReadOnlyList<Parameter> decayed, IReadOnlyList<Parameter> rest, double momentum, double weightDecay, bool nesterov)
    {
        Parameters = [.. decayed, .. rest];
        DecayedCount = decayed.Count;
        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        if (Parameters.Count == 0) throw new ArgumentException("no parameters to optimise");
        var first = Parameters[0];
        if (Parameters.Any(p => p.dtype != first.dtype || p.device_type != first.device_type || p.device_index != first.device_index))
            throw new ArgumentException("all parameters must share one dtype and device");

        _decayed = decayed.Sum(p => p.numel());
        (_params, _grads) = Flatten(Parameters);
        _momentum = zeros_like(_params);
    }

    /// <summary>
    /// Re-points <paramref name="parameters"/> (one dtype and device) at consecutive slices of a new flat buffer that
    /// takes their values, and their gradients at the same slices of a second, zeroed buffer.
    /// </summary>
    internal static (Tensor Values, Tensor Gradients) Flatten(IReadOnlyList<Parameter> parameters)
    {
        var values = Pack(parameters);
        var gradients = zeros_like(values);
        using var _ = no_grad();
        long offset = 0;
        foreach (var p in parameters)
        {
            var n = p.numel();
            using var range = gradients.narrow(0, offset, n);
            using (var grad = range.view(p.shape)) p.grad = grad;
            offset += n;
        }
        return (values, gradients);
    }

    /// <summary>Re-points <paramref name="tensors"/> (one dtype and device) at consecutive slices of a new flat buffer that takes their values.</summary>
    internal static Tensor Pack(IReadOnlyList<Tensor> tensors)
    {
        var first = tensors[0];
        var flat = empty(tensors.Sum(t => t.numel()), first.dtype, first.device);
        using var _ = no_grad();
        long offset = 0;
        foreach (var t in tensors)
        {
            var n = t.numel();
            using var range = flat.narrow(0, offset, n);
            using var slice = range.view(t.shape);
            slice.copy_(t);
            t.set_(slice);
            offset += n;
        }
        return flat;
    }

    /// <summary>The flat buffer that all <see cref="Parameters"/> are views of.</summary>
    internal Tensor Values => _params;

    /// <summary>The flat buffer that all the parameters' gradients are views of.</summary>
    internal Tensor Gradients => _grads;

    /// <summary>The parameters in optimiser order: the decayed ones, then the rest (PyTorch's param_groups order).</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    public int DecayedCount { get; }

    public double Momentum { get; }

    public double WeightDecay { get; }

    public bool Nesterov { get; }

    /// <summary>Whether a step has run, i.e. whether the momentum buffers mean anything yet.</summary>
    public bool HasStepped { get; private set; }

    public void ZeroGrad() => _grads.zero_();

    /// <summary>One update with learning rate <paramref name="lr"/> from the accumulated gradients.</summary>
    public void Step(double lr)
    {
        using var _ = no_grad();
        if (WeightDecay != 0 && _decayed > 0)
        {
            using var g = _grads.narrow(0, 0, _decayed);
            using var w = _params.narrow(0, 0, _decayed);
            g.PlusScaled_(w, WeightDecay);
        }
        if (Momentum != 0)
        {
            _momentum.Times_(Momentum).Plus_(_grads);
            if (Nesterov) _grads.PlusScaled_(_momentum, Momentum);
            _params.PlusScaled_(Nesterov ? _grads : _momentum, -lr);
        }
        else
        {
            _params.PlusScaled_(_grads, -lr);
        }
        HasStepped = true;
    }

    /// <summary>Parameter <paramref name="index"/>'s momentum buffer: a view into the flat one.</summary>
    public Tensor MomentumBuffer(int index)
    {
        long offset = 0;
        for (var i = 0; i < index; i++) offset += Parameters[i].numel();
        return _momentum.narrow(0, offset, Parameters[index].numel()).view(Parameters[index].shape);
    }

    /// <summary>Restores parameter <paramref name="index"/>'s momentum buffer (from a checkpoint).</summary>
    public void LoadMomentum(int index, Tensor buffer)
    {
        using var _ = no_grad();
        using var target = MomentumBuffer(index);
        target.copy_(buffer);
        HasStepped = true;
    }

    public void Dispose()
    {
        _params.Dispose();
        _grads.Dispose();
        _momentum.Dispose();
    }
}
