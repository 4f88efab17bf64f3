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
/// Sees each evaluated step: its terms, the image evaluated there (valid only during the call) and the optimiser, whose
/// <see cref="ImageOptimizer.State"/> is then the state a resumed run must start this step with. Returns false to stop
/// after that iteration.
/// </summary>
public delegate bool StepObserver(long step, LossTerms terms, Tensor x, ImageOptimizer optimizer);

/// <summary>
/// The optimisation loop shared by the job and its benchmark. One iteration is exactly one evaluation of the loss and
/// its gradient at the current image followed by one update (<see cref="ImageOptimizer.Step"/>; L-BFGS as PyTorch's
/// with <c>max_iter = 1</c> and no line search, whose curvature history carries over between steps and gives the same
/// iterates as one long call). Step k is the evaluation at the image after k updates: step
/// <see cref="OptimizerOptions.FirstStep"/> comes before the first update, and after the last update one more
/// evaluation (no gradient) gives the final step, so a run of N iterations observes steps FirstStep … FirstStep + N.
/// </summary>
public static class StyleOptimizer
{
    /// <summary>
    /// Optimises from <paramref name="start"/> (with the optimiser state <paramref name="resume"/> when a run resumes),
    /// calling <paramref name="observe"/> for every evaluated step. Each iteration runs in its own dispose scope, so
    /// memory stays flat however many iterations run (L-BFGS's own history grows to its 100 pairs and then stays).
    /// </summary>
    public static OptimizerOutcome Run(GatysObjective objective, Tensor start, OptimizerOptions options,
        StepObserver observe, CancellationToken cancellation, IReadOnlyDictionary<string, Tensor>? resume = null)
    {
        var x = new Parameter(start.detach().clone(), requires_grad: true);
        x.DetachFromDisposeScope();
        using var optimizer = Create(options, x);
        if (resume is not null) optimizer.Load(resume);
        var step = options.FirstStep;
        try
        {
            for (var i = 0; i < options.Iterations; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                var evaluations = 0;
                var proceed = true;
                Tensor Closure()
                {
                    evaluations++;
                    x.grad?.zero_();
                    var total = objective.Evaluate(x, out var terms);
                    total.backward();
                    // The image before this iteration's update is the one these terms belong to.
                    proceed = observe(step, terms, x, optimizer);
                    return total.detach();
                }

                optimizer.Step(Closure);
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
                var proceed = observe(step, terms, x, optimizer);
                return new OptimizerOutcome(step, Stopped: !proceed);
            }
        }
        finally
        {
            x.Dispose();
        }
    }

    private static ImageOptimizer Create(OptimizerOptions options, Parameter x) => options.Optimizer switch
    {
        // PyTorch's Python defaults for the tolerances and history size.
        OptimizerOptions.Lbfgs => new LbfgsOptimizer(x, options.LearningRate, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100),
        OptimizerOptions.Adam => new AdamOptimizer(x, options.LearningRate),
        _ => throw new ArgumentException($"unknown optimizer '{options.Optimizer}'; use lbfgs or adam"),
    };
}
