using System.Text.Json;
using Atelier.Contracts.Specs;

namespace Atelier.Shared.Tests.Specs;

/// <summary>Builds small specs and asserts on parse errors.</summary>
internal static class SpecTestHelpers
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// A valid grid spec (name, job, method, metric on lines 1–4) with <paramref name="overrides"/> applied:
    /// "key: value" replaces or appends that top-level line, "-key" removes it; then the parameters block.
    /// </summary>
    public static string Spec(string parameters = "  x: {value: 0.1}", params string[] overrides)
    {
        var lines = new List<(string Key, string Line)>
        {
            ("name", "name: test"),
            ("job", "job: synthetic"),
            ("method", "method: grid"),
            ("metric", "metric: {name: loss, goal: minimize}"),
        };
        foreach (var o in overrides)
        {
            if (o.StartsWith('-'))
            {
                lines.RemoveAll(l => l.Key == o[1..]);
                continue;
            }
            var key = o[..o.IndexOf(':')];
            var at = lines.FindIndex(l => l.Key == key);
            if (at >= 0)
                lines[at] = (key, o);
            else
                lines.Add((key, o));
        }
        var text = string.Join("\n", lines.Select(l => l.Line));
        return parameters.Length == 0 ? text + "\n" : $"{text}\nparameters:\n{parameters}\n";
    }

    public static SweepSpec ParseValid(string yaml)
    {
        var result = SweepSpecParser.Parse(yaml);
        Assert.True(result.IsValid, "expected a valid spec, got:\n" + result);
        return result.Spec!;
    }

    /// <summary>Asserts an error on <paramref name="field"/> whose message contains every fragment; returns it.</summary>
    public static SpecError AssertError(SpecParseResult result, string field, params string[] fragments)
    {
        Assert.False(result.IsValid);
        Assert.Null(result.Spec);
        var match = result.Errors.FirstOrDefault(e => e.Field == field && fragments.All(f => e.Message.Contains(f, StringComparison.Ordinal)));
        Assert.True(match is not null,
            $"no error on '{field}' containing [{string.Join("; ", fragments)}]; errors were:\n{result}");
        return match!;
    }

    public static string RoundTrip<T>(T value)
    {
        var first = JsonSerializer.Serialize(value, Json);
        var back = JsonSerializer.Deserialize<T>(first, Json);
        var second = JsonSerializer.Serialize(back, Json);
        Assert.Equal(first, second);
        return first;
    }

    /// <summary>The repository's examples folder, found upwards from the test binaries.</summary>
    public static string ExamplesDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "examples");
            if (File.Exists(Path.Combine(candidate, "synthetic-grid.yaml")))
                return candidate;
        }
        throw new DirectoryNotFoundException("examples/ not found above " + AppContext.BaseDirectory);
    }
}
