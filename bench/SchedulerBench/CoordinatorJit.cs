using System.Globalization;

namespace Atelier.SchedulerBench;

/// <summary>
/// What the coordinator's JIT compiler has done since its process started, as its <c>GET /metrics</c> reports it (.NET's
/// System.Runtime meter): methods compiled, each tier counted, and the seconds spent compiling them.
/// </summary>
internal sealed record CoordinatorJit(double Methods, double Seconds)
{
    private const string MethodsMetric = "system_runtime_dotnet_jit_compiled_methods";
    private const string SecondsMetric = "system_runtime_dotnet_jit_compilation_time";

    public static async Task<CoordinatorJit> ReadAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var lines = (await http.GetStringAsync("/metrics", cancellationToken)).Split('\n');
        return new(Value(lines, MethodsMetric), Value(lines, SecondsMetric));
    }

    public CoordinatorJit Since(CoordinatorJit before) => new(Methods - before.Methods, Math.Round(Seconds - before.Seconds, 3));

    private static double Value(string[] lines, string metric) =>
        lines.FirstOrDefault(l => l.StartsWith(metric + " ", StringComparison.Ordinal)) is { } line
            ? double.Parse(line[(metric.Length + 1)..], CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"the coordinator's /metrics has no {metric}");
}
