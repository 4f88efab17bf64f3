using Atelier.Contracts.Jobs;
using Atelier.Contracts.Specs;

namespace Atelier.GpuWorker.Jobs;

/// <summary>
/// A job's parameters: the given values checked against its definition, a recipe's values and the defaults for the
/// rest (<see cref="JobDefinition.Resolve"/>).
/// Construction fails with a message naming the parameter when one is unknown, mistyped or out of range.
/// </summary>
public sealed class JobParameters
{
    private readonly Dictionary<string, ParamValue> _values = new(StringComparer.Ordinal);

    public JobParameters(JobDefinition definition, IReadOnlyDictionary<string, ParamValue> given)
    {
        foreach (var (name, value) in given)
        {
            var parameter = definition.Find(name)
                ?? throw new JobParameterException(
                    $"unknown parameter '{name}' for job {definition.Kind}; known: {string.Join(", ", definition.Parameters.Select(p => p.Name))}");
            if (parameter.Check(value) is { } problem)
                throw new JobParameterException($"parameter {name} = {value}: {problem}");
            _values[name] = value;
        }
        foreach (var (name, value) in definition.Resolve(given)) _values[name] = value;
    }

    public IReadOnlyDictionary<string, ParamValue> Values => _values;

    public double Double(string name) => Get(name).AsDouble();

    public long Long(string name) => Get(name).AsLong();

    public int Int(string name) => checked((int)Get(name).AsLong());

    public string String(string name) => Get(name).AsString();

    public bool Bool(string name) => Get(name).AsBool();

    public bool Has(string name) => _values.ContainsKey(name);

    private ParamValue Get(string name) =>
        _values.TryGetValue(name, out var v) ? v : throw new JobParameterException($"parameter '{name}' has no value and no default");
}

/// <summary>A job was given a parameter it cannot use.</summary>
public sealed class JobParameterException(string message) : Exception(message);
