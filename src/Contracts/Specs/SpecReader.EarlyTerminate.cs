using YamlDotNet.RepresentationModel;

namespace Atelier.Contracts.Specs;

internal sealed partial class SpecReader
{
    private const string EarlyTerminateExample = "{type: hyperband, min_iter: 3, eta: 3} or {type: median, min_iter: 5}";

    private static readonly string[] EarlyTerminateFields = ["type", "min_iter", "eta", "max_iter", "min_trials"];

    /// <summary>Fields that only one type uses, and that type.</summary>
    private static readonly (string Field, EarlyTerminateType Type)[] TypeOnlyFields =
    [
        ("eta", EarlyTerminateType.Hyperband),
        ("max_iter", EarlyTerminateType.Hyperband),
        ("min_trials", EarlyTerminateType.Median),
    ];

    /// <summary><c>early_terminate</c>: null when absent; Valid is false when it is present and wrong (reported).</summary>
    private (EarlyTerminateSpec? Spec, bool Valid) ReadEarlyTerminate(Dictionary<string, YamlNode> fields)
    {
        const string field = "early_terminate";
        if (!Present(fields, field))
            return (null, true);
        if (fields[field] is not YamlMappingNode map)
        {
            _errors.Add(field, $"expected a mapping such as {EarlyTerminateExample}, not {fields[field].Describe()}");
            return (null, false);
        }

        var before = _errors.Count;
        var entries = Fields(map, field, EarlyTerminateFields);
        var type = ReadEarlyTerminateType(entries);
        if (type is { } t)
        {
            foreach (var (key, owner) in TypeOnlyFields.Where(f => f.Type != t && entries.ContainsKey(f.Field)))
                _errors.Add($"{field}.{key}", $"{key} is only used with type {SnakeCaseNames.Of(owner)}; remove it");
        }

        var minIter = OptionalInteger(entries, "min_iter", $"{field}.min_iter");
        if (!Present(entries, "min_iter"))
            _errors.Add($"{field}.min_iter", "min_iter is required: the first step (in the job's metric steps) at which trials are compared, e.g. 3");
        var eta = OptionalInteger(entries, "eta", $"{field}.eta") ?? EarlyTerminateSpec.DefaultEta;
        var maxIter = OptionalInteger(entries, "max_iter", $"{field}.max_iter");
        var minTrials = OptionalInteger(entries, "min_trials", $"{field}.min_trials") ?? EarlyTerminateSpec.DefaultMinTrials;
        if (type is null || minIter is null || _errors.Count != before)
            return (null, false);

        SweepSpecValidator.CheckEarlyTerminate(type.Value, minIter.Value, eta, maxIter, minTrials, _errors);
        if (_errors.Count != before)
            return (null, false);
        return (new EarlyTerminateSpec(type.Value, (int)minIter.Value, (int)eta, (int?)maxIter, (int)minTrials), true);
    }

    private EarlyTerminateType? ReadEarlyTerminateType(Dictionary<string, YamlNode> entries)
    {
        var allowed = string.Join(" or ", Enum.GetValues<EarlyTerminateType>().Select(SnakeCaseNames.Of));
        var text = RequiredText(entries, "type", "early_terminate.type", allowed);
        if (text is null)
            return null;
        if (SnakeCaseNames.TryParse<EarlyTerminateType>(text, out var type))
            return type;
        _errors.Add("early_terminate.type", $"'{text}' is not an early_terminate type; use {allowed}");
        return null;
    }
}
