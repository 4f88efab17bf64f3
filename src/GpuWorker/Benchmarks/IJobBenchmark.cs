namespace Atelier.GpuWorker.Benchmarks;

/// <summary>A benchmark of one job kind, run by <c>bench KIND [options]</c>.</summary>
public interface IJobBenchmark
{
    string Kind { get; }

    /// <summary>Runs with the options after the kind; returns the process exit code (2 for bad options).</summary>
    int Run(string[] options, TextWriter output, TextWriter error);
}
