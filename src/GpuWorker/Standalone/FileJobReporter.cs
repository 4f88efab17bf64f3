using System.Text.Json;
using Atelier.GpuWorker.Jobs;

namespace Atelier.GpuWorker.Standalone;

/// <summary>
/// Writes one JSON object per reported step to <c>metrics.jsonl</c> and a progress line to the console, and keeps the
/// artifacts reported (kind → path, the last of each kind) for <c>result.json</c>.
/// </summary>
internal sealed class FileJobReporter(string metricsPath, TextWriter console, bool append) : IJobReporter, IDisposable
{
    private readonly StreamWriter _metrics = new(metricsPath, append);

    public void Metrics(long step, IReadOnlyDictionary<string, double> values)
    {
        var line = new Dictionary<string, object> { ["step"] = step };
        foreach (var (k, v) in values) line[k] = v;
        _metrics.WriteLine(JsonSerializer.Serialize(line));
        _metrics.Flush();
        console.WriteLine($"step {step}: {string.Join(", ", values.Select(kv => $"{kv.Key}={kv.Value:G6}"))}");
    }

    public Dictionary<string, string> Artifacts { get; } = new(StringComparer.Ordinal);

    public void Artifact(string kind, string path)
    {
        Artifacts[kind] = path;
        console.WriteLine($"{kind}: {path}");
    }

    public void Checkpoint(long step, string path) { }

    public void Dispose() => _metrics.Dispose();
}
