using System.Text.Json;
using Atelier.GpuWorker.Jobs;
using Atelier.Contracts.Api;
using Atelier.Contracts.Specs;

namespace Atelier.GpuWorker.Standalone;

/// <summary>
/// <c>run JOB [-p NAME=VALUE]… --out DIR [--resume]</c>: one job outside the cluster, through the
/// same <see cref="IJob"/> code the slots run. Writes <c>metrics.jsonl</c> as it goes and
/// <c>result.json</c> (parameters, final metrics, the artifacts' paths relative to DIR) only when the job succeeded.
/// </summary>
public static class RunCommand
{
    public const string Usage = "usage: run JOB [-p NAME=VALUE]... --out DIR [--resume]";

    public static int Execute(string[] args, JobRegistry jobs, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            error.WriteLine($"{Usage}\njobs: {string.Join(", ", jobs.Kinds)}");
            return 2;
        }

        string? outDir = null;
        var resume = false;
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length: outDir = args[++i]; break;
                case "--resume": resume = true; break;
                case "-p" or "--param" when i + 1 < args.Length:
                    var pair = args[++i];
                    var eq = pair.IndexOf('=');
                    if (eq <= 0)
                    {
                        error.WriteLine($"-p {pair}: expected NAME=VALUE");
                        return 2;
                    }
                    given[pair[..eq]] = pair[(eq + 1)..];
                    break;
                default:
                    error.WriteLine($"unexpected argument '{args[i]}'\n{Usage}");
                    return 2;
            }
        }
        if (outDir is null)
        {
            error.WriteLine($"--out DIR is required\n{Usage}");
            return 2;
        }

        IJob job;
        JobParameters parameters;
        try
        {
            job = jobs.Get(args[0]);
            parameters = new JobParameters(job.Definition, ParseValues(job, given));
        }
        catch (Exception e) when (e is JobParameterException or FormatException)
        {
            error.WriteLine(e.Message);
            return 2;
        }

        Directory.CreateDirectory(outDir);
        var resultPath = Path.Combine(outDir, "result.json");
        File.Delete(resultPath);
        using var reporter = new FileJobReporter(Path.Combine(outDir, "metrics.jsonl"), output, append: resume);
        try
        {
            var result = JobExecution.Run(job, new JobContext(job.Definition.Kind, 1, parameters, outDir, reporter, resume, ct));
            var artifacts = reporter.Artifacts.ToDictionary(kv => kv.Key, kv => Path.GetRelativePath(outDir, kv.Value), StringComparer.Ordinal);
            var document = new { job = job.Definition.Kind, parameters = parameters.Values, metrics = result.FinalMetrics, artifacts };
            File.WriteAllText(resultPath, JsonSerializer.Serialize(document, ApiJson.Options));
            output.WriteLine($"done: {string.Join(", ", result.FinalMetrics.Select(kv => $"{kv.Key}={kv.Value:G6}"))} -> {resultPath}");
            return 0;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("cancelled; no result written");
            return 130;
        }
        catch (Exception e)
        {
            error.WriteLine($"{job.Definition.Kind} failed: {e.Message}");
            return 1;
        }
    }

    private static Dictionary<string, ParamValue> ParseValues(IJob job, Dictionary<string, string> given)
    {
        var values = new Dictionary<string, ParamValue>(StringComparer.Ordinal);
        foreach (var (name, text) in given)
        {
            var parameter = job.Definition.Find(name)
                ?? throw new JobParameterException($"unknown parameter '{name}' for job {job.Definition.Kind}; known: {job.Definition.ParameterList}");
            try
            {
                values[name] = ParamValue.Parse(text, parameter.Type);
            }
            catch (FormatException e)
            {
                throw new JobParameterException($"parameter {name}: {e.Message}");
            }
        }
        return values;
    }
}
