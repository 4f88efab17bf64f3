namespace Atelier.GpuWorker.Benchmarks;

/// <summary><c>bench KIND [options]</c>: dispatches to the benchmark of a job kind.</summary>
public static class BenchCommand
{
    /// <summary>Every benchmark this worker ships; one line per job kind.</summary>
    public static IReadOnlyList<IJobBenchmark> All { get; } = [new Jobs.Style.StyleTransferBenchmark(), new Jobs.Cifar.CifarBenchmark()];

    public static int Execute(string[] args, TextWriter output, TextWriter error)
    {
        var kinds = string.Join(", ", All.Select(b => b.Kind));
        if (args.Length == 0 || All.FirstOrDefault(b => b.Kind == args[0]) is not { } bench)
        {
            error.WriteLine($"usage: bench KIND [options]; kinds: {(kinds.Length == 0 ? "(none yet)" : kinds)}");
            return 2;
        }
        return bench.Run(args[1..], output, error);
    }
}
