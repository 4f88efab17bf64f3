using Atelier.SchedulerBench;
using Atelier.Testing;

try
{
    return await Bench.RunAsync(args, Console.Out, Console.Error);
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("scheduler-bench: interrupted");
    return 130;
}
catch (Exception e) when (e is ClusterFailureException or TimeoutException or InvalidOperationException)
{
    Console.Error.WriteLine($"scheduler-bench: {e.Message}");
    return 1;
}
