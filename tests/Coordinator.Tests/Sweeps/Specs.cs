using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Tests.Sweeps;

/// <summary>Small valid specs for the tests, parsed by the real parser.</summary>
internal static class Specs
{
    public static SweepSpec Grid(int values = 3, int maxConcurrent = 0, int maxRetries = 2)
    {
        var xs = string.Join(", ", Enumerable.Range(0, values).Select(i => (0.1 * i).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)));
        var yaml = $"""
            name: test-grid
            job: synthetic
            method: grid
            metric: {"{"}name: loss, goal: minimize{"}"}
            max_concurrent: {maxConcurrent}
            max_retries: {maxRetries}
            parameters:
              x: {"{"}values: [{xs}]{"}"}
              steps: {"{"}value: 3{"}"}
            """;
        var result = SweepSpecParser.Parse(yaml);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Spec!;
    }

    public static SweepSpec Parse(string yaml)
    {
        var result = SweepSpecParser.Parse(yaml);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Spec!;
    }
}
