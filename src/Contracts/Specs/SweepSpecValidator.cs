using System.Globalization;
using Atelier.Contracts.Jobs;

namespace Atelier.Contracts.Specs;

/// <summary>
/// The semantic rules of a sweep spec, shared by <see cref="SweepSpecParser"/> (YAML) and by whoever receives
/// a <see cref="SweepSpec"/> as JSON and must not trust it.
/// </summary>
public static class SweepSpecValidator
{
    /// <summary>The longest sweep name allowed.</summary>
    public const int MaxNameLength = 100;

    private const string NameRule = "use 1–100 characters of A–Z, a–z, 0–9, '.', '_' and '-'";

    // Larger integers are not all representable in the double bounds of a DistributionParameter.
    private const double MaxExactInteger = 9007199254740992; // 2^53

    /// <summary>Every problem with <paramref name="spec"/>; empty when it is valid.</summary>
    public static IReadOnlyList<SpecError> Validate(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new SpecErrorList();
        CheckName(spec.Name, errors);
        var job = FindJob(spec.Job, errors);
        CheckMetric(spec.Metric, job, errors);
        if (spec.RunCap is { } runCap)
            CheckRunCap(runCap, errors);
        CheckMaxConcurrent(spec.MaxConcurrent, errors);
        CheckMaxRetries(spec.MaxRetries, errors);
        if (spec.EarlyTerminate is { } early)
            CheckEarlyTerminate(early.Type, early.MinIter, early.Eta, early.MaxIter, early.MinTrials, errors);
        if (spec.Checkpoints is { } checkpoints)
            CheckCheckpoints(checkpoints.KeepLast, checkpoints.KeepBest, errors);
        if (spec.Resources is { } resources)
            CheckResources(resources.Gpus, job, errors);

        var before = errors.Count;
        if (spec.Parameters.Count == 0)
            errors.Add("parameters", "at least one parameter is required");
        var seen = new HashSet<string>();
        foreach (var parameter in spec.Parameters)
        {
            if (!seen.Add(parameter.Name))
                errors.Add($"parameters.{parameter.Name}", $"'{parameter.Name}' is given more than once");
            else if (job is not null && FindParameter(parameter.Name, job, errors) is { } definition)
                CheckParameter(definition, parameter, errors);
        }
        CheckSearch(spec.Method, spec.RunCap, spec.Parameters, parametersValid: errors.Count == before, errors);
        return errors.ToList();
    }

    internal static void CheckName(string name, SpecErrorList errors)
    {
        var valid = name.Length is > 0 and <= MaxNameLength
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
        if (!valid)
            errors.Add("name", $"'{name}' is not a valid name: {NameRule}");
    }

    internal static JobDefinition? FindJob(string kind, SpecErrorList errors)
    {
        if (JobCatalog.TryGet(kind, out var job))
            return job;
        errors.Add("job", $"'{kind}' is not a known job; the jobs are: {JobCatalog.KindList}");
        return null;
    }

    internal static void CheckMetric(MetricSpec metric, JobDefinition? job, SpecErrorList errors)
    {
        if (job is not null && !job.Metrics.Contains(metric.Name))
        {
            errors.Add("metric.name",
                $"'{metric.Name}' is not a metric of job {job.Kind}; its metrics are: {string.Join(", ", job.Metrics)}");
        }
    }

    internal static void CheckRunCap(long runCap, SpecErrorList errors)
    {
        if (runCap < 1)
            errors.Add("run_cap", $"{runCap} is not allowed: run_cap must be >= 1");
        else if (runCap > SearchSpace.MaxTrials)
            errors.Add("run_cap", $"{runCap} is not allowed: run_cap must be <= {SearchSpace.MaxTrials}, the most trials a sweep may have");
    }

    internal static void CheckMaxConcurrent(long maxConcurrent, SpecErrorList errors)
    {
        if (maxConcurrent < 0)
            errors.Add("max_concurrent", $"{maxConcurrent} is not allowed: max_concurrent must be >= 0 (0 means unlimited)");
        else if (maxConcurrent > int.MaxValue)
            errors.Add("max_concurrent", $"{maxConcurrent} is not allowed: max_concurrent must be <= {int.MaxValue}");
    }

    /// <summary><c>checkpoints.keep_last</c> ≥ 1 (resuming needs the newest) and <c>keep_best</c> ≥ 0, both at most 100.</summary>
    internal static void CheckResources(long gpus, JobDefinition? job, SpecErrorList errors)
    {
        if (gpus is < 1 or > ResourcesSpec.MaxGpus)
            errors.Add("resources.gpus", $"{gpus} is not allowed: gpus must be between 1 and {ResourcesSpec.MaxGpus} (devices reserved on one node for each trial)");
        else if (job is not null && gpus > job.MaxDevices)
            errors.Add("resources.gpus", $"{gpus} is not allowed: the {job.Kind} job runs each trial on {(job.MaxDevices == 1 ? "one device" : $"at most {job.MaxDevices} devices")}, so gpus must be at most {job.MaxDevices}");
    }

    internal static void CheckCheckpoints(long keepLast, long keepBest, SpecErrorList errors)
    {
        if (keepLast is < 1 or > CheckpointSpec.MaxKept)
            errors.Add("checkpoints.keep_last", $"{keepLast} is not allowed: keep_last must be between 1 and {CheckpointSpec.MaxKept} (resuming a trial needs its newest checkpoint)");
        if (keepBest is < 0 or > CheckpointSpec.MaxKept)
            errors.Add("checkpoints.keep_best", $"{keepBest} is not allowed: keep_best must be between 0 and {CheckpointSpec.MaxKept}");
    }

    internal static void CheckMaxRetries(long maxRetries, SpecErrorList errors)
    {
        if (maxRetries is < 0 or > SweepSpec.MaxMaxRetries)
            errors.Add("max_retries", $"{maxRetries} is not allowed: max_retries must be between 0 and {SweepSpec.MaxMaxRetries}");
    }

    /// <summary>The numeric rules of <c>early_terminate</c>; each error names its field, e.g. <c>early_terminate.eta</c>.</summary>
    internal static void CheckEarlyTerminate(
        EarlyTerminateType type, long minIter, long eta, long? maxIter, long minTrials, SpecErrorList errors)
    {
        const string field = "early_terminate";
        var what = type == EarlyTerminateType.Hyperband
            ? "the first rung, in the job's metric steps"
            : "the first step at which a trial may be stopped";
        var minIterValid = CheckBetween($"{field}.min_iter", minIter, 1, $"min_iter ({what}) must be >= 1", errors);
        CheckBetween($"{field}.eta", eta, 2, "eta must be >= 2 (the top 1/eta of the trials at a rung continue)", errors);
        if (maxIter is { } max && CheckBetween($"{field}.max_iter", max, 1, "max_iter must be >= 1", errors)
            && minIterValid && max < minIter)
        {
            errors.Add($"{field}.max_iter", $"{max} is not allowed: max_iter must be >= min_iter ({minIter})");
        }
        CheckBetween($"{field}.min_trials", minTrials, 1,
            "min_trials (how many other trials must have reached a step before one is stopped) must be >= 1", errors);
    }

    private static bool CheckBetween(string field, long value, long min, string rule, SpecErrorList errors)
    {
        if (value < min)
            errors.Add(field, $"{value} is not allowed: {rule}");
        else if (value > int.MaxValue)
            errors.Add(field, $"{value} is not allowed: {field[(field.LastIndexOf('.') + 1)..]} must be <= {int.MaxValue}");
        else
            return true;
        return false;
    }

    internal static JobParameter? FindParameter(string name, JobDefinition job, SpecErrorList errors)
    {
        var parameter = job.Find(name);
        if (parameter is null)
            errors.Add($"parameters.{name}", $"'{name}' is not a parameter of job {job.Kind}; its parameters are: {job.ParameterList}");
        return parameter;
    }

    internal static void CheckParameter(JobParameter definition, ParameterSpec parameter, SpecErrorList errors)
    {
        var field = $"parameters.{parameter.Name}";
        switch (parameter)
        {
            case ConstantParameter c:
                CheckValue(definition, c.Value, $"{field}.value", errors);
                break;
            case ValuesParameter { Values.Count: 0 }:
                errors.Add($"{field}.values", "the list is empty; give at least one value");
                break;
            case ValuesParameter v:
                for (var i = 0; i < v.Values.Count; i++)
                    CheckValue(definition, v.Values[i], $"{field}.values[{i}]", errors);
                break;
            case DistributionParameter d:
                if (CheckDistributionKind(definition, d.Distribution, errors))
                    CheckDistributionBounds(definition, d, errors);
                break;
        }
    }

    internal static void CheckValue(JobParameter definition, ParamValue value, string field, SpecErrorList errors)
    {
        if (definition.Check(value) is { } problem)
            errors.Add(field, $"{value.Describe()} is not allowed: {definition.Name} {problem}");
    }

    /// <summary>Whether <paramref name="distribution"/> suits the parameter's type; reports it when not.</summary>
    internal static bool CheckDistributionKind(JobParameter definition, Distribution distribution, SpecErrorList errors)
    {
        var field = $"parameters.{definition.Name}.distribution";
        var name = SnakeCaseNames.Of(distribution);
        var problem = (definition.Type, distribution) switch
        {
            (ParamType.String or ParamType.Bool, _) => "use value or values",
            (ParamType.Int, not Distribution.IntUniform) => "use int_uniform",
            (ParamType.Float, Distribution.IntUniform) => "use uniform or log_uniform_values",
            _ => null,
        };
        if (problem is null)
            return true;
        errors.Add(field, $"{name} is not allowed for {definition.Name}, {TypeWord(definition.Type)} parameter: {problem}");
        return false;
    }

    internal static void CheckDistributionBounds(JobParameter definition, DistributionParameter d, SpecErrorList errors)
    {
        var field = $"parameters.{d.Name}";
        var boundsValid = true;
        foreach (var (bound, value) in new[] { ("min", d.Min), ("max", d.Max) })
        {
            var problem = !double.IsFinite(value) ? "bounds must be finite numbers"
                : d.Distribution == Distribution.IntUniform && Math.Floor(value) != value ? "int_uniform bounds must be integers"
                : d.Distribution == Distribution.IntUniform && Math.Abs(value) > MaxExactInteger ? "int_uniform bounds must be within ±2^53"
                : bound == "min" && d.Distribution == Distribution.LogUniformValues && value <= 0 ? "log_uniform_values needs min > 0"
                : null;
            if (problem is null)
            {
                var asValue = d.Distribution == Distribution.IntUniform ? ParamValue.Of((long)value) : ParamValue.Of(value);
                problem = definition.Check(asValue) is { } check ? $"{definition.Name} {check}" : null;
            }
            if (problem is not null)
            {
                errors.Add($"{field}.{bound}", $"{Format(value)} is not allowed: {problem}");
                boundsValid = false;
            }
        }
        if (boundsValid && d.Min >= d.Max)
            errors.Add($"{field}.max", $"{Format(d.Max)} is not allowed: max must be > min ({Format(d.Min)}); for a fixed value use value");
    }

    /// <summary>Rules that depend on the search method: what a grid can enumerate, and how many trials there are.</summary>
    internal static void CheckSearch(
        SearchMethod method, int? runCap, IReadOnlyList<ParameterSpec> parameters, bool parametersValid, SpecErrorList errors)
    {
        if (method is SearchMethod.Random or SearchMethod.Bayes)
        {
            // Both accept every parameter form: values are a categorical choice, distributions a range.
            if (runCap is null)
            {
                var verb = method == SearchMethod.Random ? "draw" : "suggest";
                errors.Add("run_cap", $"run_cap is required with method {SnakeCaseNames.Of(method)}: how many trials to {verb}",
                    errors.LineOf("method"));
            }
            return;
        }

        var enumerable = true;
        foreach (var d in parameters.OfType<DistributionParameter>().Where(d => d.Distribution != Distribution.IntUniform))
        {
            errors.Add($"parameters.{d.Name}.distribution",
                $"{SnakeCaseNames.Of(d.Distribution)} is not allowed with method grid, which cannot enumerate a continuous range: "
                + "use values or int_uniform, or method random or bayes");
            enumerable = false;
        }
        if (!enumerable || !parametersValid || runCap is not null)
            return;
        var count = SearchSpace.GridSize(parameters);
        if (count > SearchSpace.MaxTrials)
        {
            var text = count == long.MaxValue ? "more than 2^63" : count.ToString(CultureInfo.InvariantCulture);
            errors.Add("parameters",
                $"the grid has {text} combinations, more than the {SearchSpace.MaxTrials} allowed: "
                + "set run_cap to run only the first ones, or use method random");
        }
    }

    internal static string TypeWord(ParamType type) => type switch
    {
        ParamType.Int => "an integer",
        ParamType.Float => "a float",
        ParamType.String => "a string",
        _ => "a boolean",
    };

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
