using System.Text.Json;
using Atelier.Shared.Jobs;

namespace Atelier.GpuWorker.Jobs;

/// <summary>
/// The <c>synthetic</c> job: a known objective of its parameters (<see cref="SyntheticObjective"/>),
/// reported step by step, with a configurable duration and failure probability. It checkpoints
/// its step after each one, so a resumed attempt continues where the last one stopped.
/// </summary>
public sealed class SyntheticJob : IJob
{
    private const string CheckpointFile = "synthetic-checkpoint.json";

    public JobDefinition Definition => JobCatalog.Synthetic;

    public JobResult Run(JobContext context)
    {
        var p = context.Parameters;
        var finalLoss = SyntheticObjective.Loss(p.Double("x"), p.Double("y"), p.Double("lr"));
        var steps = p.Int("steps");
        var stepDelay = TimeSpan.FromSeconds(p.Double("step_seconds"));
        var failProbability = p.Double("fail_probability");
        // Each attempt draws its own failures, so a retry can succeed where the last attempt failed.
        var random = new Random(HashCode.Combine(p.Long("seed"), context.Attempt));

        var checkpoint = Path.Combine(context.WorkDirectory, CheckpointFile);
        var first = context.Resume && File.Exists(checkpoint) ? ReadStep(checkpoint) + 1 : 1;
        for (var step = first; step <= steps; step++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            if (stepDelay > TimeSpan.Zero && context.Cancellation.WaitHandle.WaitOne(stepDelay))
                context.Cancellation.ThrowIfCancellationRequested();
            if (failProbability > 0 && random.NextDouble() < failProbability)
                throw new InvalidOperationException($"synthetic failure at step {step} (fail_probability {failProbability})");

            context.Reporter.Metrics(step, new Dictionary<string, double> { ["loss"] = SyntheticObjective.LossAtStep(finalLoss, step, steps) });
            File.WriteAllText(checkpoint, JsonSerializer.Serialize(new { step }));
            context.Reporter.Checkpoint(step, checkpoint);
        }
        return new JobResult(new Dictionary<string, double> { ["loss"] = finalLoss });
    }

    private static int ReadStep(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("step").GetInt32();
    }
}
