using Atelier.Contracts.Jobs;
using YamlDotNet.RepresentationModel;

namespace Atelier.Contracts.Specs;

/// <summary>
/// Walks one YAML document into a <see cref="SweepSpec"/>, recording the line of every field so that
/// errors, including those found by <see cref="SweepSpecValidator"/>, point into the file.
/// </summary>
internal sealed partial class SpecReader
{
    private static readonly string[] TopLevelFields =
        ["name", "job", "method", "metric", "parameters", "run_cap", "max_concurrent", "max_retries", "seed", "early_terminate", "checkpoints", "resources"];

    private static readonly string[] MetricFields = ["name", "goal"];

    private readonly Dictionary<string, int> _lines = [];
    private readonly SpecErrorList _errors;

    public SpecReader() => _errors = new SpecErrorList(_lines);

    public SpecParseResult Read(YamlNode root)
    {
        if (root.IsNull())
            return Result(null, "the spec is empty");
        if (root is not YamlMappingNode map)
            return Result(null, $"the spec must be a mapping of fields ({string.Join(", ", TopLevelFields)}), not {root.Describe()}", root.Line());

        var fields = Fields(map, "", TopLevelFields);

        var name = RequiredText(fields, "name", "name", "a sweep name of 1–100 characters of A–Z, a–z, 0–9, '.', '_' and '-'");
        if (name is not null)
            SweepSpecValidator.CheckName(name, _errors);

        var jobKind = RequiredText(fields, "job", "job", $"one of {JobCatalog.KindList}");
        var job = jobKind is null ? null : SweepSpecValidator.FindJob(jobKind, _errors);

        var method = ReadMethod(fields);
        var metric = ReadMetric(fields, job);

        var runCap = OptionalInteger(fields, "run_cap");
        if (runCap is { } cap)
            SweepSpecValidator.CheckRunCap(cap, _errors);
        var maxConcurrent = OptionalInteger(fields, "max_concurrent");
        if (maxConcurrent is { } concurrent)
            SweepSpecValidator.CheckMaxConcurrent(concurrent, _errors);
        var maxRetries = OptionalInteger(fields, "max_retries");
        if (maxRetries is { } retries)
            SweepSpecValidator.CheckMaxRetries(retries, _errors);
        var seed = OptionalInteger(fields, "seed");

        var (earlyTerminate, earlyTerminateValid) = ReadEarlyTerminate(fields);
        var (checkpoints, checkpointsValid) = ReadCheckpoints(fields);
        var (resources, resourcesValid) = ReadResources(fields, job);

        var before = _errors.Count;
        var (parameters, parametersComplete) = ReadParameters(fields, job);
        if (method is { } m && parameters is not null)
        {
            // A run_cap that is present but malformed was reported already; it must not also read as missing.
            int? capForSearch = Present(fields, "run_cap") ? (int)Math.Clamp(runCap ?? 1, 1, int.MaxValue) : null;
            SweepSpecValidator.CheckSearch(m, capForSearch, parameters, parametersComplete && _errors.Count == before, _errors);
        }

        if (_errors.Count > 0 || name is null || jobKind is null || method is null || metric is null
            || parameters is null || !parametersComplete || !earlyTerminateValid || !checkpointsValid || !resourcesValid)
        {
            return Result(null);
        }

        var spec = new SweepSpec(name, jobKind, method.Value, metric, parameters, (int?)runCap,
            (int)(maxConcurrent ?? 0), seed, (int)(maxRetries ?? SweepSpec.DefaultMaxRetries), earlyTerminate, checkpoints, resources);
        return Result(spec);
    }

    private SpecParseResult Result(SweepSpec? spec, string? message = null, int? line = null)
    {
        if (message is not null)
            _errors.Add("", message, line);
        return new SpecParseResult(_errors.Count == 0 ? spec : null, _errors.ToList());
    }

    private SearchMethod? ReadMethod(Dictionary<string, YamlNode> fields)
    {
        const string methods = "grid, random or bayes";
        var text = RequiredText(fields, "method", "method", methods);
        if (text is null)
            return null;
        if (SnakeCaseNames.TryParse<SearchMethod>(text, out var method))
            return method;
        _errors.Add("method", $"'{text}' is not a search method; use {methods}");
        return null;
    }

    private MetricSpec? ReadMetric(Dictionary<string, YamlNode> fields, JobDefinition? job)
    {
        var example = $"{{name: {job?.Metrics.FirstOrDefault() ?? "loss"}, goal: minimize}}";
        if (!Present(fields, "metric"))
        {
            _errors.Add("metric", $"metric is required, e.g. metric: {example}");
            return null;
        }
        if (fields["metric"] is not YamlMappingNode map)
        {
            _errors.Add("metric", $"expected a mapping such as {example}, not {fields["metric"].Describe()}");
            return null;
        }

        var metricFields = Fields(map, "metric", MetricFields);
        var name = RequiredText(metricFields, "name", "metric.name",
            job is null ? "the metric to optimise" : $"one of {string.Join(", ", job.Metrics)}");
        if (name is not null)
            SweepSpecValidator.CheckMetric(new MetricSpec(name, MetricGoal.Minimize), job, _errors);
        var goal = MetricGoal.Minimize;
        var goalText = OptionalText(metricFields, "goal", "metric.goal");
        if (goalText is not null && !SnakeCaseNames.TryParse(goalText, out goal))
        {
            _errors.Add("metric.goal", $"'{goalText}' is not a goal; use minimize or maximize");
            return null;
        }
        return name is null ? null : new MetricSpec(name, goal);
    }

    /// <summary>The fields of a mapping by key, registering their lines and reporting keys not in <paramref name="allowed"/>.</summary>
    private Dictionary<string, YamlNode> Fields(YamlMappingNode map, string prefix, IReadOnlyCollection<string> allowed)
    {
        var result = new Dictionary<string, YamlNode>();
        foreach (var (keyNode, value) in map.Children)
        {
            if (Key(keyNode, prefix) is not { } key)
                continue;
            var field = prefix.Length == 0 ? key : $"{prefix}.{key}";
            _lines[field] = keyNode.Line();
            if (allowed.Contains(key))
                result[key] = value;
            else
                _errors.Add(field, $"'{key}' is not a known field; the fields here are: {string.Join(", ", allowed)}");
        }
        return result;
    }

    private string? Key(YamlNode keyNode, string prefix)
    {
        if (keyNode is YamlScalarNode { Value: { Length: > 0 } key } && !keyNode.IsNull())
            return key;
        _errors.Add(prefix, $"{keyNode.Describe()} is not allowed as a key; keys are plain names", keyNode.Line());
        return null;
    }

    private static bool Present(Dictionary<string, YamlNode> fields, string key) =>
        fields.TryGetValue(key, out var node) && !node.IsNull();

    private string? RequiredText(Dictionary<string, YamlNode> fields, string key, string field, string what)
    {
        if (Present(fields, key))
            return ScalarText(fields[key], field);
        _errors.Add(field, $"{key} is required: {what}");
        return null;
    }

    private string? OptionalText(Dictionary<string, YamlNode> fields, string key, string field) =>
        Present(fields, key) ? ScalarText(fields[key], field) : null;

    private string? ScalarText(YamlNode node, string field)
    {
        if (node is YamlScalarNode scalar)
            return scalar.Value ?? "";
        _errors.Add(field, $"expected a single value, not {node.Describe()}");
        return null;
    }

    private long? OptionalInteger(Dictionary<string, YamlNode> fields, string key) => OptionalInteger(fields, key, key);

    private long? OptionalInteger(Dictionary<string, YamlNode> fields, string key, string field)
    {
        var text = OptionalText(fields, key, field);
        if (text is null)
            return null;
        if (ParamValue.TryParse(text, ParamType.Int, out var value, out var error))
            return value.AsLong();
        _errors.Add(field, error!);
        return null;
    }
}
