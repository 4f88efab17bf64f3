using System.Text.Json;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Tests.Specs.SpecTestHelpers;

namespace Atelier.Shared.Tests.Specs;

public class SpecJsonTests
{
    [Fact]
    public void SweepSpec_round_trips_with_snake_case_enums_and_typed_values()
    {
        var spec = ParseValid("""
            name: json
            job: synthetic
            method: random
            metric: {name: loss, goal: maximize}
            run_cap: 3
            seed: 9
            parameters:
              x: {value: 1}
              steps: {values: [1, 2]}
              lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
            """);
        var json = RoundTrip(spec);
        Assert.Contains("\"method\":\"random\"", json);
        Assert.Contains("\"goal\":\"maximize\"", json);
        Assert.Contains("\"kind\":\"constant\",\"name\":\"x\",\"value\":1.0", json);
        Assert.Contains("\"kind\":\"values\",\"name\":\"steps\",\"values\":[1,2]", json);
        Assert.Contains("\"distribution\":\"log_uniform_values\"", json);

        var back = JsonSerializer.Deserialize<SweepSpec>(json, Json)!;
        Assert.Equal(spec.Parameters[0], back.Parameters[0]);
        Assert.Equal(spec.Parameters[2], back.Parameters[2]);
        Assert.Equal(spec with { Parameters = back.Parameters }, back);
    }

    [Fact]
    public void TrialPlan_round_trips_keeping_order_and_kinds()
    {
        var plan = new TrialPlan(3, new Dictionary<string, ParamValue>
        {
            ["z"] = ParamValue.Of(2.0),
            ["a"] = ParamValue.Of(2L),
            ["opt"] = ParamValue.Of("adam"),
            ["aug"] = ParamValue.Of(true),
        });
        Assert.Equal("""{"index":3,"parameters":{"z":2.0,"a":2,"opt":"adam","aug":true}}""", RoundTrip(plan));
        var back = JsonSerializer.Deserialize<TrialPlan>(RoundTrip(plan), Json)!;
        Assert.Equal(plan.Parameters, back.Parameters);
        Assert.Equal(["z", "a", "opt", "aug"], back.Parameters.Keys);
    }

    [Fact]
    public void Parse_errors_round_trip() =>
        RoundTrip(SweepSpecParser.Parse("name: a\nfoo: 1"));
}
