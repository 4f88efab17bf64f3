using Atelier.GpuWorker.Jobs.Style;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Tests.Style;

/// <summary>
/// The style job's optimisers take the iterates TorchSharp's own (libtorch's L-BFGS, TorchSharp's Adam) take, and a
/// fresh optimiser loaded with a saved state goes on exactly as the one that saved it.
/// </summary>
public sealed class ImageOptimizerTests
{
    /// <summary>A smooth non-quadratic objective of an image: ‖W·x − b‖² + 0.01·Σx⁴, with fixed random W and b.</summary>
    private sealed class Objective : IDisposable
    {
        private readonly Tensor _w;
        private readonly Tensor _b;

        public Objective()
        {
            using var g = new Generator(7);
            _w = torch.randn([64, 192], generator: g);
            _b = torch.randn([64], generator: g);
        }

        public Tensor Loss(Tensor x) => (_w.matmul(x.reshape(-1)) - _b).pow(2).sum() + 0.01 * x.pow(4).sum();

        public void Dispose()
        {
            _w.Dispose();
            _b.Dispose();
        }
    }

    private static Parameter Start()
    {
        using var g = new Generator(3);
        return new Parameter(torch.randn([3, 8, 8], generator: g), requires_grad: true);
    }

    /// <summary>Runs <paramref name="steps"/> iterations, each one evaluation then one update; returns the image.</summary>
    private static Tensor Iterate(Parameter x, Objective f, int steps, Action<Func<Tensor>> step)
    {
        for (var i = 0; i < steps; i++)
        {
            using var scope = torch.NewDisposeScope();
            step(() =>
            {
                x.grad?.zero_();
                var loss = f.Loss(x);
                loss.backward();
                return loss.detach();
            });
        }
        return x.detach().clone();
    }

    private static double RelativeDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>() / b.abs().max().item<float>();

    [Fact]
    public void Lbfgs_takes_the_iterates_of_libtorchs_lbfgs()
    {
        using var f = new Objective();
        using var x1 = Start();
        using (var native = torch.optim.LBFGS([x1], lr: 1, max_iter: 1, max_eval: 1, tolerange_grad: 1e-7, tolerance_change: 1e-9, history_size: 100))
            Iterate(x1, f, 25, c => native.step(c)).Dispose();
        using var x2 = Start();
        using (var ours = new LbfgsOptimizer(x2, 1))
            Iterate(x2, f, 25, ours.Step).Dispose();

        Assert.True(RelativeDifference(x2, x1) < 1e-5, $"relative difference {RelativeDifference(x2, x1)}");
        Assert.False(x1.detach().allclose(Start()), "the optimiser did not move");
    }

    [Fact]
    public void Adam_takes_the_iterates_of_torchsharps_adam()
    {
        using var f = new Objective();
        using var x1 = Start();
        using (var native = torch.optim.Adam([x1], lr: 0.05))
        {
            Iterate(x1, f, 25, c =>
            {
                c();
                native.step();
            }).Dispose();
        }
        using var x2 = Start();
        using (var ours = new AdamOptimizer(x2, 0.05))
            Iterate(x2, f, 25, ours.Step).Dispose();

        Assert.Equal(0, RelativeDifference(x2, x1));
    }

    [Theory]
    [InlineData("lbfgs")]
    [InlineData("adam")]
    public void A_fresh_optimiser_loaded_with_a_saved_state_goes_on_exactly_as_the_one_that_saved_it(string kind)
    {
        ImageOptimizer Create(Parameter x) => kind == "lbfgs" ? new LbfgsOptimizer(x, 1) : new AdamOptimizer(x, 0.05);
        using var f = new Objective();
        using var straight = Start();
        using (var optimizer = Create(straight)) Iterate(straight, f, 20, optimizer.Step).Dispose();

        using var first = Start();
        Dictionary<string, Tensor> saved;
        using (var optimizer = Create(first))
        {
            Iterate(first, f, 12, optimizer.Step).Dispose();
            saved = optimizer.State();
        }
        using var resumed = new Parameter(first.detach().clone(), requires_grad: true);
        using (var optimizer = Create(resumed))
        {
            optimizer.Load(saved);
            Iterate(resumed, f, 8, optimizer.Step).Dispose();
        }

        Assert.Equal(0, RelativeDifference(resumed, straight));
        foreach (var t in saved.Values) t.Dispose();
    }
}
