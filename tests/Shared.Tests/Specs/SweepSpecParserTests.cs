using Atelier.Contracts.Jobs;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Tests.Specs.SpecTestHelpers;

namespace Atelier.Shared.Tests.Specs;

public class SweepSpecParserTests
{
    private const string Full = """
        name: wd-sweep
        job: synthetic
        method: random
        metric: {name: loss, goal: maximize}
        run_cap: 20
        max_concurrent: 4
        max_retries: 3
        seed: 7
        parameters:
          x: {value: 0.1}
          y: {values: [0.1, 0.2]}
          lr: {distribution: log_uniform_values, min: 1e-4, max: 1e-1}
          steps: {distribution: int_uniform, min: 1, max: 5}
          step_seconds: {distribution: uniform, min: 0, max: 0.5}
        """;

    [Fact]
    public void Reads_every_field_and_keeps_parameters_in_file_order()
    {
        var spec = ParseValid(Full);
        Assert.Equal("wd-sweep", spec.Name);
        Assert.Equal("synthetic", spec.Job);
        Assert.Equal(SearchMethod.Random, spec.Method);
        Assert.Equal(new MetricSpec("loss", MetricGoal.Maximize), spec.Metric);
        Assert.Equal(20, spec.RunCap);
        Assert.Equal(4, spec.MaxConcurrent);
        Assert.Equal(3, spec.MaxRetries);
        Assert.Equal(7L, spec.Seed);
        Assert.Equal(["x", "y", "lr", "steps", "step_seconds"], spec.Parameters.Select(p => p.Name));
        Assert.Equal(new ConstantParameter("x", ParamValue.Of(0.1)), spec.Parameters[0]);
        Assert.Equal([ParamValue.Of(0.1), ParamValue.Of(0.2)], ((ValuesParameter)spec.Parameters[1]).Values);
        Assert.Equal(new DistributionParameter("lr", Distribution.LogUniformValues, 1e-4, 0.1), spec.Parameters[2]);
        Assert.Equal(new DistributionParameter("steps", Distribution.IntUniform, 1, 5), spec.Parameters[3]);
        Assert.Equal(new DistributionParameter("step_seconds", Distribution.Uniform, 0, 0.5), spec.Parameters[4]);
    }

    [Fact]
    public void Optional_fields_take_their_defaults()
    {
        var spec = ParseValid(Spec(overrides: "metric: {name: loss}"));
        Assert.Equal(MetricGoal.Minimize, spec.Metric.Goal);
        Assert.Null(spec.RunCap);
        Assert.Null(spec.Seed);
        Assert.Equal(0, spec.MaxConcurrent);
        Assert.Equal(SweepSpec.DefaultMaxRetries, spec.MaxRetries);
    }

    [Fact]
    public void Scalars_are_typed_by_the_job_parameter()
    {
        var spec = ParseValid(Spec("  x: {value: 3}\n  lr: {value: 1e-3}\n  steps: {values: [3, 4]}\n  seed: {value: -1}"));
        var x = ((ConstantParameter)spec.Parameters[0]).Value;
        Assert.Equal(ParamType.Float, x.Kind);
        Assert.Equal(3.0, x.AsDouble());
        Assert.Equal(ParamValue.Of(0.001), ((ConstantParameter)spec.Parameters[1]).Value);
        Assert.Equal([ParamValue.Of(3L), ParamValue.Of(4L)], ((ValuesParameter)spec.Parameters[2]).Values);
        Assert.Equal(ParamValue.Of(-1L), ((ConstantParameter)spec.Parameters[3]).Value);
    }

    [Fact]
    public void Block_and_flow_styles_give_the_same_spec()
    {
        var flow = ParseValid(Spec("  y: {values: [0.1, 0.2]}\n  lr: {distribution: uniform, min: 0.001, max: 0.1}", "method: random", "run_cap: 3"));
        var block = ParseValid("""
            # comments are fine
            name: test
            job: synthetic
            method: random
            metric:
              name: loss
              goal: minimize
            run_cap: 3
            parameters:
              y:
                values:
                  - 0.1
                  - 0.2
              lr:
                distribution: uniform
                min: 0.001
                max: 0.1
            """);
        Assert.Equal(RoundTrip(flow), RoundTrip(block));
    }

    [Fact]
    public void Int_uniform_is_allowed_in_a_grid()
    {
        var spec = ParseValid(Spec("  steps: {distribution: int_uniform, min: 1, max: 5}"));
        Assert.Equal(5, SearchSpace.Count(spec));
    }

    [Fact]
    public void A_huge_grid_is_fine_with_a_run_cap()
    {
        var spec = ParseValid(Spec("  steps: {distribution: int_uniform, min: 1, max: 1000000}\n  x: {values: [1, 2]}", "run_cap: 10"));
        Assert.Equal(2_000_000, SearchSpace.Count(spec));
        Assert.Equal(10, SearchSpace.Expand(spec, 0).Count);
    }

    [Theory]
    [InlineData("synthetic-grid.yaml", SearchMethod.Grid, 9)]
    [InlineData("synthetic-random.yaml", SearchMethod.Random, 16)]
    public void Examples_are_valid(string file, SearchMethod method, int trials)
    {
        var spec = ParseValid(File.ReadAllText(Path.Combine(ExamplesDirectory(), file)));
        Assert.Equal(method, spec.Method);
        Assert.Empty(SweepSpecValidator.Validate(spec));
        Assert.Equal(trials, SearchSpace.Expand(spec, spec.Seed ?? 0).Count);
    }

    [Fact]
    public void Grid_example_contains_the_optimum()
    {
        var spec = ParseValid(File.ReadAllText(Path.Combine(ExamplesDirectory(), "synthetic-grid.yaml")));
        var best = SearchSpace.Expand(spec, 0)
            .Select(t => SyntheticObjective.Loss(t.Parameters["x"].AsDouble(), t.Parameters["y"].AsDouble(), t.Parameters["lr"].AsDouble()))
            .Min();
        Assert.Equal(0, best, 12);
    }
}
