using System.Text;
using System.Text.RegularExpressions;
using Atelier.Contracts.Jobs;
using YamlDotNet.RepresentationModel;

namespace Atelier.Contracts.Specs;

/// <summary>What a value of an input parameter is.</summary>
public enum InputKind
{
    /// <summary><c>builtin:NAME</c>: rendered by the job, nothing to upload.</summary>
    Builtin,

    /// <summary><c>sha256:HEX</c>: an input in the coordinators' content-addressed store.</summary>
    Hash,

    /// <summary>Starts with <c>sha256:</c> but is not 64 lower-case hex digits.</summary>
    BadHash,

    /// <summary>Anything else: a file path on the client, which <c>pbm sweep submit</c> uploads.</summary>
    Path,
}

/// <summary>One value of an input parameter in a spec's YAML: the field, the value, and where its text stands.</summary>
/// <param name="Start">Index of the scalar's first character (a quote included) in the YAML text.</param>
/// <param name="End">Index just past its last character.</param>
public sealed record InputOccurrence(string Parameter, string Field, string Value, int Line, int Start, int End)
{
    public InputKind Kind => SpecInputs.Classify(Value);
}

/// <summary>
/// The files a sweep's jobs read (the values of the job's <see cref="JobParameter.Input"/> parameters, e.g. the
/// style-transfer job's <c>content</c> and <c>style</c>). A coordinator accepts only built-in names and
/// <c>sha256:HEX</c> references to inputs already in its store, never a path; <c>pbm sweep submit</c> uploads
/// each file a spec names (relative to the spec) and rewrites the value to its reference.
/// </summary>
public static partial class SpecInputs
{
    public const string HashPrefix = "sha256:";

    public const string BuiltinPrefix = "builtin:";

    public static InputKind Classify(string value) =>
        value.StartsWith(BuiltinPrefix, StringComparison.Ordinal) ? InputKind.Builtin
        : value.StartsWith(HashPrefix, StringComparison.Ordinal) ? (HexPattern().IsMatch(value[HashPrefix.Length..]) ? InputKind.Hash : InputKind.BadHash)
        : InputKind.Path;

    /// <summary><c>sha256:HEX</c> for a lower-case hex SHA-256.</summary>
    public static string Reference(string sha256) => HashPrefix + sha256;

    /// <summary>The hex digest of a <c>sha256:HEX</c> reference, or null.</summary>
    public static string? HashOf(string value) => Classify(value) == InputKind.Hash ? value[HashPrefix.Length..] : null;

    /// <summary>Whether <paramref name="hex"/> is 64 lower-case hex digits.</summary>
    public static bool IsSha256(string? hex) => hex is not null && HexPattern().IsMatch(hex);

    /// <summary>The names of the input parameters of <paramref name="job"/>.</summary>
    public static IReadOnlySet<string> InputParameters(string job) =>
        JobCatalog.TryGet(job, out var definition)
            ? definition.Parameters.Where(p => p.Input).Select(p => p.Name).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>();

    /// <summary>Every string value of an input parameter of <paramref name="spec"/>.</summary>
    public static IEnumerable<string> Values(SweepSpec spec)
    {
        var inputs = InputParameters(spec.Job);
        foreach (var parameter in spec.Parameters.Where(p => inputs.Contains(p.Name)))
        {
            var values = parameter switch
            {
                ConstantParameter c => [c.Value],
                ValuesParameter v => v.Values,
                _ => [],
            };
            foreach (var value in values.Where(v => v.Kind == ParamType.String))
                yield return value.AsString();
        }
    }

    /// <summary>The hex digests of the stored inputs <paramref name="spec"/> refers to, each once.</summary>
    public static IReadOnlyList<string> Hashes(SweepSpec spec) =>
        Values(spec).Select(HashOf).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Where each value of an input parameter stands in <paramref name="yaml"/>, the text <paramref name="spec"/> was
    /// parsed from (<c>parameters.NAME.value</c> and <c>parameters.NAME.values[i]</c>).
    /// </summary>
    public static IReadOnlyList<InputOccurrence> Locate(string yaml, SweepSpec spec)
    {
        var inputs = InputParameters(spec.Job);
        var found = new List<InputOccurrence>();
        if (inputs.Count == 0) return found;
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root) return found;
        if (Child(root, "parameters") is not YamlMappingNode parameters) return found;
        foreach (var (key, entry) in parameters.Children)
        {
            if (key is not YamlScalarNode { Value: { } name } || !inputs.Contains(name) || entry is not YamlMappingNode map) continue;
            if (Child(map, "value") is YamlScalarNode value)
                Add(found, name, $"parameters.{name}.value", value);
            if (Child(map, "values") is YamlSequenceNode values)
            {
                for (var i = 0; i < values.Children.Count; i++)
                    if (values.Children[i] is YamlScalarNode item) Add(found, name, $"parameters.{name}.values[{i}]", item);
            }
        }
        return found;
    }

    /// <summary>
    /// <paramref name="yaml"/> with each occurrence for which <paramref name="replacement"/> gives a value replaced by
    /// that value (single-quoted); everything else, comments included, is kept as it was.
    /// </summary>
    public static string Replace(string yaml, IEnumerable<InputOccurrence> occurrences, Func<InputOccurrence, string?> replacement)
    {
        var text = new StringBuilder(yaml);
        foreach (var o in occurrences.OrderByDescending(o => o.Start))
        {
            if (replacement(o) is not { } value) continue;
            text.Remove(o.Start, o.End - o.Start).Insert(o.Start, "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'");
        }
        return text.ToString();
    }

    /// <summary>
    /// What a coordinator refuses in a valid spec's inputs: a file path (a caller never names a server path), a
    /// malformed reference, or a reference to an input <paramref name="stored"/> does not have.
    /// </summary>
    public static IReadOnlyList<SpecError> CheckForServer(string yaml, SweepSpec spec, Func<string, bool> stored)
    {
        var errors = new List<SpecError>();
        var located = Locate(yaml, spec);
        foreach (var o in located)
        {
            if (ServerProblem(o.Value, stored) is { } problem) errors.Add(new SpecError(o.Field, problem, o.Line));
        }
        // Values the YAML walk did not place (e.g. behind an alias) are checked all the same.
        foreach (var value in Values(spec).Distinct().Where(v => located.All(o => o.Value != v)))
        {
            if (ServerProblem(value, stored) is { } problem) errors.Add(new SpecError("parameters", problem, null));
        }
        return errors;
    }

    private static string? ServerProblem(string value, Func<string, bool> stored) => Classify(value) switch
    {
        InputKind.Path =>
            $"'{value}' is a file path; the coordinator takes inputs only by content hash: submit the spec with "
            + "pbm sweep submit, which uploads the file, or upload it with POST /api/inputs and give the sha256:HEX it answers",
        InputKind.BadHash => $"'{value}' is not an input reference: give sha256: and 64 lower-case hex digits",
        InputKind.Hash when !stored(value[HashPrefix.Length..]) =>
            $"input {value} is not in the coordinator's store: upload it first (POST /api/inputs; pbm sweep submit does it)",
        _ => null,
    };

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: { } k } && k == key).Value;

    private static void Add(List<InputOccurrence> found, string name, string field, YamlScalarNode node)
    {
        if (node.Value is not { Length: > 0 } value || node.IsNull()) return;
        found.Add(new InputOccurrence(name, field, value, node.Line(), checked((int)node.Start.Index), checked((int)node.End.Index)));
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexPattern();
}
