using System.Runtime.ExceptionServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>Which optimiser, its learning rate, how many iterations to run, and the step the start image is at.</summary>
public sealed record OptimizerOptions(string Optimizer, double LearningRate, int Iterations, long FirstStep = 0)
{
    public const string Lbfgs = "lbfgs";
    public const string Adam = "adam";

    /// <summary>The default learning rate of an optimiser: 1 for L-BFGS (as Gatys), 0.05 for Adam (normalised pixels).</summary>
    public static double DefaultLearningRate(string optimizer) => optimizer == Lbfgs ? 1.0 : 0.05;
}

/// <summary>How a run ended: its last evaluated step, and whether the observer stopped it early.</summary>
public readonly record struct OptimizerOutcome(long LastStep, bool Stopped);

/// <summary>
/// The optimisation loop shared by the job and its benchmark. One iteration is exactly one evaluation of the loss and
/// its gradient at the current image followed by one update. L-BFGS is TorchSharp's native <c>optim.LBFGS</c> (no line
/// search) built with <c>max_iter = 1</c>: each <c>step(closure)</c> call then evaluates the closure once and updates
/// once, and its curvature history carries over between calls, which gives the same iterates as one long call.
/// (With TorchSharp's default <c>max_iter = 20</c> one <c>step</c> would be up to 20 iterations and 25 evaluations.)
/// Step k is the evaluation at the image after k updates: step <see cref="OptimizerOptions.FirstStep"/> comes before
/// the first update, and after the last update one more evaluation (no gradient) gives the final step, so a run of N
/// iterations observes steps FirstStep … FirstStep + N.
/// </summary>
public static class StyleOptimizer
{
    /// <summary>
    /// Optimises from <paramref name="start"/>, calling <paramref name="observe"/> for every evaluated step with its terms
    /// and the image evaluated there (valid only during the call); the observer returns false to stop after that
    /// iteration. Each iteration runs in its own dispose scope, so memory stays flat however many iterations run
    /// (L-BFGS's own history grows to its 100 pairs and then stays).
    /// </summary>
    public static OptimizerOutcome Run(GatysObjective objective, Tensor start, OptimizerOptions options,
        Func<long, LossTerms, Tensor, bool> observe, CancellationToken cancellation)
    {
        var x = new Parameter(start.detach().clone(), requires_grad: true);
        x.DetachFromDisposeScope();
        using var optimizer = Create(options, x);
        var step = options.FirstStep;
        try
        {
            for (var i = 0; i < options.Iterations; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                var evaluations = 0;
                var proceed = true;
                ExceptionDispatchInfo? failure = null;
                Tensor Closure()
                {
                    // Runs inside native L-BFGS code: never let an exception cross it; rethrow after step() returns.
                    evaluations++;
                    try
                    {
                        optimizer.zero_grad();
                        var total = objective.Evaluate(x, out var terms);
                        total.backward();
                        // The image before this iteration's update is the one these terms belong to.
                        proceed = observe(step, terms, x);
                        // TorchSharp's native step keeps (never frees) the handle the closure returns: hand it a
                        // graph-free 0-d copy, so what stays behind is a few hundred bytes, not the autograd graph.
                        return total.detach();
                    }
                    catch (Exception e)
                    {
                        failure ??= ExceptionDispatchInfo.Capture(e);
                        return torch.zeros([], x.dtype, x.device);
                    }
                }

                if (optimizer is LBFGS lbfgs)
                {
                    lbfgs.step(Closure);
                }
                else
                {
                    Closure();
                    if (failure is null && proceed) optimizer.step();
                }
                failure?.Throw();
                if (evaluations != 1)
                    throw new InvalidOperationException($"the optimiser evaluated the loss {evaluations} times in one iteration; expected 1");
                if (!proceed) return new OptimizerOutcome(step, Stopped: true);
                step++;
            }

            cancellation.ThrowIfCancellationRequested();
            using (torch.NewDisposeScope())
            using (torch.no_grad())
            {
                objective.Evaluate(x, out var terms);
                var proceed = observe(step, terms, x);
                return new OptimizerOutcome(step, Stopped: !proceed);
            }
        }
        finally
        {
            x.Dispose();
        }
    }

    private static optim.Optimizer Create(OptimizerOptions options, Parameter x) => options.Optimizer switch
    {
        // PyTorch's Python defaults for the tolerances and history size.
        OptimizerOptions.Lbfgs => torch.optim.LBFGS([x], lr: options.LearningRate, max_iter: 1, max_eval: 1,
            tolerange_grad: 1e-7, tolerance_change: 1e-9, history_size: 100),
        OptimizerOptions.Adam => torch.optim.Adam([x], lr: options.LearningRate),
        _ => throw new ArgumentException($"unknown optimizer '{options.Optimizer}'; use lbfgs or adam"),
    };
}
