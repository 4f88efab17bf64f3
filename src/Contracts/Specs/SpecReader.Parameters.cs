using Atelier.Contracts.Jobs;
using YamlDotNet.RepresentationModel;

namespace Atelier.Contracts.Specs;

internal sealed partial class SpecReader
{
    private static readonly string[] EntryKinds = ["value", "values", "distribution"];
    private static readonly string[] EntryFields = ["value", "values", "distribution", "min", "max"];

    /// <summary>
    /// The parameters that could be read, and whether all could. Without a known job, entries are still
    /// checked for shape but cannot be typed.
    /// </summary>
    private (List<ParameterSpec>? Parameters, bool Complete) ReadParameters(Dictionary<string, YamlNode> fields, JobDefinition? job)
    {
        const string what = "a mapping from job parameter names to value, values or distribution";
        if (!Present(fields, "parameters"))
        {
            _errors.Add("parameters", $"parameters is required: {what}");
            return (null, false);
        }
        if (fields["parameters"] is not YamlMappingNode map)
        {
            _errors.Add("parameters", $"expected {what}, not {fields["parameters"].Describe()}");
            return (null, false);
        }
        if (map.Children.Count == 0)
        {
            _errors.Add("parameters", "at least one parameter is required"
                + (job is null ? "" : $"; the parameters of job {job.Kind} are: {job.ParameterList}"));
            return (null, false);
        }

        var parameters = new List<ParameterSpec>();
        var complete = true;
        foreach (var (keyNode, entry) in map.Children)
        {
            if (Key(keyNode, "parameters") is not { } name)
            {
                complete = false;
                continue;
            }
            _lines[$"parameters.{name}"] = keyNode.Line();
            var definition = job is null ? null : SweepSpecValidator.FindParameter(name, job, _errors);
            if (ReadParameter(name, entry, definition) is { } parameter)
                parameters.Add(parameter);
            else
                complete = false;
        }
        return (parameters, complete);
    }

    private ParameterSpec? ReadParameter(string name, YamlNode entry, JobParameter? definition)
    {
        var field = $"parameters.{name}";
        if (entry is not YamlMappingNode map)
        {
            _errors.Add(field, $"expected a mapping with one of value, values or distribution (e.g. {name}: {{value: 1}}), not {entry.Describe()}");
            return null;
        }
        var before = _errors.Count;
        var fields = Fields(map, field, EntryFields);
        var kinds = EntryKinds.Where(fields.ContainsKey).ToList();
        if (kinds.Count != 1)
        {
            _errors.Add(field, kinds.Count == 0
                ? "needs one of value, values or distribution"
                  + (fields.ContainsKey("min") || fields.ContainsKey("max") ? " (with min and max, add distribution: uniform, log_uniform_values or int_uniform)" : "")
                : $"has {string.Join(" and ", kinds)}; give exactly one of value, values or distribution");
            return null;
        }
        if (kinds[0] != "distribution")
        {
            foreach (var bound in new[] { "min", "max" }.Where(fields.ContainsKey))
                _errors.Add($"{field}.{bound}", $"{bound} is only used with distribution");
        }

        var parameter = kinds[0] switch
        {
            "value" => ReadValue(fields["value"], definition, $"{field}.value") is { } v ? new ConstantParameter(name, v) : (ParameterSpec?)null,
            "values" => ReadValues(name, fields["values"], definition),
            _ => ReadDistribution(name, fields, definition),
        };
        return _errors.Count == before ? parameter : null;
    }

    private ValuesParameter? ReadValues(string name, YamlNode node, JobParameter? definition)
    {
        var field = $"parameters.{name}.values";
        if (node is not YamlSequenceNode list)
        {
            _errors.Add(field, $"expected a list such as [1, 2, 3], not {node.Describe()}");
            return null;
        }
        if (list.Children.Count == 0)
        {
            _errors.Add(field, "the list is empty; give at least one value");
            return null;
        }
        var values = new List<ParamValue>(list.Children.Count);
        for (var i = 0; i < list.Children.Count; i++)
        {
            var itemField = $"{field}[{i}]";
            _lines[itemField] = list.Children[i].Line();
            if (ReadValue(list.Children[i], definition, itemField) is { } value)
                values.Add(value);
        }
        return values.Count == list.Children.Count ? new ValuesParameter(name, values) : null;
    }

    /// <summary>A scalar typed as <paramref name="definition"/> says and checked against its range; null (reported) when not.</summary>
    private ParamValue? ReadValue(YamlNode node, JobParameter? definition, string field)
    {
        if (node is not YamlScalarNode scalar)
        {
            _errors.Add(field, $"expected a single value, not {node.Describe()}");
            return null;
        }
        if (definition is null)
            return null;
        var type = SweepSpecValidator.TypeWord(definition.Type);
        if (node.IsNull())
        {
            _errors.Add(field, $"a value is required: {definition.Name} is {type} parameter");
            return null;
        }
        if (node.IsExplicitString() && definition.Type != ParamType.String)
        {
            _errors.Add(field, $"'{scalar.Value}' is quoted, so it is a string, but {definition.Name} is {type} parameter: remove the quotes");
            return null;
        }
        if (!ParamValue.TryParse(scalar.Value!, definition.Type, out var value, out var error))
        {
            _errors.Add(field, error!);
            return null;
        }
        var before = _errors.Count;
        SweepSpecValidator.CheckValue(definition, value, field, _errors);
        return _errors.Count == before ? value : null;
    }

    private DistributionParameter? ReadDistribution(string name, Dictionary<string, YamlNode> fields, JobParameter? definition)
    {
        var field = $"parameters.{name}";
        var before = _errors.Count;
        var distribution = ReadDistributionName(fields["distribution"], $"{field}.distribution");
        var kindAllowed = distribution is { } d && definition is not null
            && SweepSpecValidator.CheckDistributionKind(definition, d, _errors);
        var min = ReadBound(fields, "min", field);
        var max = ReadBound(fields, "max", field);
        if (!kindAllowed || _errors.Count != before || min is null || max is null)
            return null;

        var parameter = new DistributionParameter(name, distribution!.Value, min.Value, max.Value);
        SweepSpecValidator.CheckDistributionBounds(definition!, parameter, _errors);
        return _errors.Count == before ? parameter : null;
    }

    private Distribution? ReadDistributionName(YamlNode node, string field)
    {
        var allowed = SnakeCaseNames.List<Distribution>();
        if (node.IsNull())
        {
            _errors.Add(field, $"a distribution is required: {allowed}");
            return null;
        }
        var text = ScalarText(node, field);
        if (text is null)
            return null;
        if (SnakeCaseNames.TryParse<Distribution>(text, out var distribution))
            return distribution;
        _errors.Add(field, text == "log_uniform"
            ? "log_uniform (bounds given as exponents of e) is not supported; use log_uniform_values with the bounds themselves"
            : $"'{text}' is not a supported distribution; use {allowed}");
        return null;
    }

    private double? ReadBound(Dictionary<string, YamlNode> fields, string bound, string parameterField)
    {
        var field = $"{parameterField}.{bound}";
        if (!Present(fields, bound))
        {
            _errors.Add(field, $"{bound} is required with distribution");
            return null;
        }
        var node = fields[bound];
        var text = ScalarText(node, field);
        if (text is null)
            return null;
        if (node.IsExplicitString())
        {
            _errors.Add(field, $"'{text}' is quoted, so it is a string, but {bound} must be a number: remove the quotes");
            return null;
        }
        if (ParamValue.TryParse(text, ParamType.Float, out var value, out var error))
            return value.AsDouble();
        _errors.Add(field, error!);
        return null;
    }
}
