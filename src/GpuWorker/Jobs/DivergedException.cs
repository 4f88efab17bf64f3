namespace Atelier.GpuWorker.Jobs;

/// <summary>A job reported a metric that is NaN or infinite: its run diverged, and the attempt fails.</summary>
public sealed class DivergedException(string message) : Exception(message)
{
    /// <summary>Throws when any of <paramref name="values"/> is NaN or infinite, naming the first such metric and <paramref name="where"/>.</summary>
    public static void ThrowIfNotFinite(IReadOnlyDictionary<string, double> values, string where)
    {
        foreach (var (name, value) in values)
        {
            if (!double.IsFinite(value))
                throw new DivergedException($"metric {name} is {value} {where}: the run diverged");
        }
    }
}

/// <summary>
/// Runs a job as a slot and the standalone <c>run</c> command both must: a metric that is NaN or infinite ends it on its
/// own thread (<see cref="DivergedException"/>), and so do non-finite final metrics, so neither a sweep nor a
/// <c>result.json</c> ever holds a value JSON cannot carry.
/// </summary>
public static class JobExecution
{
    public static JobResult Run(IJob job, JobContext context)
    {
        var result = job.Run(context with { Reporter = new FiniteMetrics(context.Reporter) });
        DivergedException.ThrowIfNotFinite(result.FinalMetrics, "in the final metrics");
        return result;
    }

    private sealed class FiniteMetrics(IJobReporter inner) : IJobReporter
    {
        public void Metrics(long step, IReadOnlyDictionary<string, double> values)
        {
            DivergedException.ThrowIfNotFinite(values, $"at step {step}");
            inner.Metrics(step, values);
        }

        public void Artifact(string kind, string path) => inner.Artifact(kind, path);

        public void Checkpoint(long step, string path) => inner.Checkpoint(step, path);
    }
}
