using System.Globalization;
using System.Text.Json;
using Atelier.CheckpointBench;
using Atelier.Contracts.Api;
using Atelier.Testing;

// checkpoint-bench stream|failover|asha [options] [--json]
var mode = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "stream";
var json = args.Contains("--json");
string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
int IntOption(string name, int fallback) => Option(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
double DoubleOption(string name, double fallback) => Option(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupt.Cancel();
};
try
{
    object result = mode switch
    {
        "stream" => await StreamBench.RunAsync(
            (Option("--sizes") ?? "64,256").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
            IntOption("--reps", 3), (Option("--transports") ?? "http,remoting").Split(','),
            (Option("--tls") ?? "off") switch
            {
                "off" => [false],
                "on" => [true],
                "both" => [false, true],
                var other => throw new ArgumentException($"--tls {other}: off, on or both"),
            },
            Console.Out, interrupt.Token),
        "failover" => await FailoverBench.RunAsync(IntOption("--reps", 5), DoubleOption("--lease-timeout", 30), Console.Out, interrupt.Token),
        "asha" => await AshaBench.RunAsync(DoubleOption("--step-seconds", 0.2), IntOption("--steps", 27), Console.Out, interrupt.Token),
        _ => throw new ArgumentException($"unknown mode '{mode}': stream, failover or asha"),
    };
    if (json) Console.WriteLine(JsonSerializer.Serialize(result, result.GetType(), ApiJson.Options));
    return 0;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("checkpoint-bench: interrupted");
    return 130;
}
catch (Exception e) when (e is ClusterFailureException or TimeoutException or InvalidOperationException or ArgumentException or FormatException)
{
    Console.Error.WriteLine($"checkpoint-bench: {e.Message}");
    return 1;
}
