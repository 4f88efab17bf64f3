using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>
/// An optimiser of the one image a style-transfer run optimises, whose whole state can be written into a checkpoint
/// (<see cref="State"/>) and read back into a fresh one (<see cref="Load"/>), so that a resumed run takes exactly the
/// iterates an uninterrupted run takes. TorchSharp's native <c>optim.LBFGS</c> cannot save its state
/// (<c>state_dict</c> throws NotImplementedException), hence these: PyTorch's algorithms, operation for operation.
/// </summary>
public abstract class ImageOptimizer(Parameter x) : IDisposable
{
    protected Parameter X { get; } = x;

    /// <summary>One iteration: <paramref name="closure"/> (zero the gradient, evaluate, backward) is called once, then one update.</summary>
    public abstract void Step(Func<Tensor> closure);

    /// <summary>The state as CPU tensors, named without prefix; empty before the first step.</summary>
    public abstract Dictionary<string, Tensor> State();

    /// <summary>Takes over a state <see cref="State"/> wrote (copied to the image's device).</summary>
    public abstract void Load(IReadOnlyDictionary<string, Tensor> state);

    public abstract void Dispose();

    /// <summary>The gradient as one flat new tensor (not a view: the next evaluation zeroes the gradient in place).</summary>
    protected Tensor FlatGradient() => X.grad!.reshape(-1).clone();

    protected Tensor Owned(Tensor t) => t.DetachFromDisposeScope();

    protected Tensor Loaded(IReadOnlyDictionary<string, Tensor> state, string name) =>
        state.TryGetValue(name, out var t)
            ? Owned(t.to(X.device))
            : throw new InvalidDataException($"the checkpoint's optimizer state has no '{name}'");

    protected static Tensor Cpu(Tensor t) => t.detach().to(CPU).contiguous();

    /// <summary>A 0-d float64 tensor (for numbers kept as doubles).</summary>
    protected static Tensor Number(double value) => torch.tensor(value, ScalarType.Float64);
}

/// <summary>
/// L-BFGS as PyTorch's <c>torch.optim.LBFGS</c> with <c>max_iter = 1</c> and no line search (libtorch's
/// <c>LBFGS::step</c>, the code TorchSharp's native optimiser runs): each <see cref="Step"/> evaluates once and
/// updates once; the curvature pairs, the last direction and step length, the previous gradient and the iteration
/// count carry over between steps and are the saved state.
/// </summary>
public sealed class LbfgsOptimizer(Parameter x, double lr, double toleranceGrad = 1e-7, double toleranceChange = 1e-9, int historySize = 100)
    : ImageOptimizer(x)
{
    private readonly List<Tensor> _oldDirs = [];
    private readonly List<Tensor> _oldSteps = [];
    private readonly List<Tensor> _ro = [];
    private Tensor? _d;
    private Tensor? _hDiag;
    private Tensor? _prevFlatGrad;
    private double _t;
    private double _prevLoss;
    private long _iterations;

    public override void Step(Func<Tensor> closure)
    {
        var loss = closure().item<float>();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var flatGrad = FlatGradient();
        if (flatGrad.abs().max().item<float>() <= toleranceGrad) return; // optimal: no update

        _iterations++;
        if (_iterations == 1)
        {
            Replace(ref _d, flatGrad.neg());
            Replace(ref _hDiag, torch.tensor(1L));
            Clear(_oldDirs);
            Clear(_oldSteps);
            Clear(_ro);
        }
        else
        {
            var y = flatGrad.sub(_prevFlatGrad!);
            var s = _d!.Times(_t);
            var ys = y.dot(s);
            if (ys.item<float>() > 1e-10)
            {
                if (_oldDirs.Count == historySize)
                {
                    PopFront(_oldDirs);
                    PopFront(_oldSteps);
                    PopFront(_ro);
                }
                _oldDirs.Add(Owned(y));
                _oldSteps.Add(Owned(s));
                _ro.Add(Owned(ys.reciprocal())); // 1 / ys
                Replace(ref _hDiag, ys / y.dot(y));
            }
            // The two-loop recursion, with one buffer as libtorch writes it.
            var count = _oldDirs.Count;
            var al = new Tensor[count];
            var q = flatGrad.neg();
            for (var i = count - 1; i >= 0; i--)
            {
                al[i] = _oldSteps[i].dot(q) * _ro[i];
                q.PlusScaled_(_oldDirs[i], -al[i].item<float>());
            }
            var r = q.mul(_hDiag!);
            for (var i = 0; i < count; i++)
            {
                var be = _oldDirs[i].dot(r) * _ro[i];
                r.PlusScaled_(_oldSteps[i], (al[i] - be).item<float>());
            }
            Replace(ref _d, r);
        }

        if (_prevFlatGrad is null) _prevFlatGrad = Owned(flatGrad.clone());
        else _prevFlatGrad.copy_(flatGrad);
        _prevLoss = loss;
        _t = _iterations == 1 ? Math.Min(1.0, 1.0 / flatGrad.abs().sum().item<float>()) * lr : lr;

        // No progress along this direction: no update (libtorch breaks out of its loop here).
        if (flatGrad.dot(_d!).item<float>() > -toleranceChange) return;
        X.PlusScaled_(_d!.view_as(X), _t);
    }

    public override Dictionary<string, Tensor> State()
    {
        var state = new Dictionary<string, Tensor>
        {
            ["n_iter"] = torch.tensor(_iterations),
            ["t"] = Number(_t),
            ["prev_loss"] = Number(_prevLoss),
        };
        if (_d is null) return state;
        state["d"] = Cpu(_d);
        state["H_diag"] = Cpu(_hDiag!);
        state["prev_flat_grad"] = Cpu(_prevFlatGrad!);
        if (_oldDirs.Count == 0) return state;
        state["old_dirs"] = Cpu(torch.stack(_oldDirs));
        state["old_stps"] = Cpu(torch.stack(_oldSteps));
        state["ro"] = Cpu(torch.stack(_ro));
        return state;
    }

    public override void Load(IReadOnlyDictionary<string, Tensor> state)
    {
        _iterations = Loaded(state, "n_iter").item<long>();
        _t = Loaded(state, "t").item<double>();
        _prevLoss = Loaded(state, "prev_loss").item<double>();
        if (!state.ContainsKey("d")) return;
        Replace(ref _d, Loaded(state, "d"));
        Replace(ref _hDiag, Loaded(state, "H_diag"));
        Replace(ref _prevFlatGrad, Loaded(state, "prev_flat_grad"));
        Clear(_oldDirs);
        Clear(_oldSteps);
        Clear(_ro);
        if (!state.ContainsKey("old_dirs")) return;
        using var dirs = Loaded(state, "old_dirs");
        using var steps = Loaded(state, "old_stps");
        using var ro = Loaded(state, "ro");
        for (var i = 0; i < dirs.shape[0]; i++)
        {
            _oldDirs.Add(Owned(dirs[i].clone()));
            _oldSteps.Add(Owned(steps[i].clone()));
            _ro.Add(Owned(ro[i].clone()));
        }
    }

    public override void Dispose()
    {
        Clear(_oldDirs);
        Clear(_oldSteps);
        Clear(_ro);
        _d?.Dispose();
        _hDiag?.Dispose();
        _prevFlatGrad?.Dispose();
    }

    private void Replace(ref Tensor? field, Tensor value)
    {
        if (ReferenceEquals(field, value)) return;
        field?.Dispose();
        field = Owned(value);
    }

    private static void PopFront(List<Tensor> list)
    {
        list[0].Dispose();
        list.RemoveAt(0);
    }

    private static void Clear(List<Tensor> list)
    {
        foreach (var t in list) t.Dispose();
        list.Clear();
    }
}

/// <summary>
/// Adam as TorchSharp's <c>optim.Adam</c> computes it (PyTorch's algorithm, no weight decay, no amsgrad): the step count
/// and the two moment estimates are the saved state.
/// </summary>
public sealed class AdamOptimizer(Parameter x, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8) : ImageOptimizer(x)
{
    private Tensor? _expAvg;
    private Tensor? _expAvgSq;
    private long _step;

    public override void Step(Func<Tensor> closure)
    {
        closure();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var grad = X.grad!;
        _expAvg ??= Owned(torch.zeros_like(X));
        _expAvgSq ??= Owned(torch.zeros_like(X));
        _step++;
        var biasCorrection1 = 1 - Math.Pow(beta1, _step);
        var biasCorrection2 = 1 - Math.Pow(beta2, _step);
        _expAvg.Times_(beta1).PlusScaled_(grad, 1 - beta1);
        using var squareWeight = (1 - beta2).ToScalar(); // held: see KeptScalars
        _expAvgSq.Times_(beta2).addcmul_(grad, grad, value: squareWeight);
        var denom = _expAvgSq.sqrt().Over(Math.Sqrt(biasCorrection2)).PlusNumber_(eps);
        using var stepSize = (-lr / biasCorrection1).ToScalar();
        X.addcdiv_(_expAvg, denom, value: stepSize);
    }

    public override Dictionary<string, Tensor> State()
    {
        var state = new Dictionary<string, Tensor> { ["step"] = torch.tensor(_step) };
        if (_expAvg is null) return state;
        state["exp_avg"] = Cpu(_expAvg);
        state["exp_avg_sq"] = Cpu(_expAvgSq!);
        return state;
    }

    public override void Load(IReadOnlyDictionary<string, Tensor> state)
    {
        _step = Loaded(state, "step").item<long>();
        if (!state.ContainsKey("exp_avg")) return;
        _expAvg?.Dispose();
        _expAvgSq?.Dispose();
        _expAvg = Loaded(state, "exp_avg");
        _expAvgSq = Loaded(state, "exp_avg_sq");
    }

    public override void Dispose()
    {
        _expAvg?.Dispose();
        _expAvgSq?.Dispose();
    }
}
