using Atelier.Contracts.Specs;
using static Atelier.Shared.Tests.Specs.SpecTestHelpers;

namespace Atelier.Shared.Tests.Specs;

public class SweepSpecParserErrorTests
{
    [Theory]
    [InlineData("name: [a, b\njob: x", "left open", 1)]
    [InlineData("name: \"abc\n", "malformed YAML: While scanning a quoted scalar", 1)]
    [InlineData("a: [1, 2\nb: c", "malformed YAML", 1)]
    [InlineData("name: a\nname: b", "duplicate key 'name'", 2)]
    [InlineData("- a\n- b", "must be a mapping", 1)]
    [InlineData("", "the spec is empty", null)]
    [InlineData("# only a comment\n", "the spec is empty", null)]
    [InlineData("name: a\n---\nname: b", "expected one YAML document, found 2", 3)]
    public void Document_level_problems_are_one_error(string yaml, string fragment, int? line)
    {
        var error = Assert.Single(SweepSpecParser.Parse(yaml).Errors);
        Assert.Equal("", error.Field);
        Assert.Contains(fragment, error.Message);
        Assert.Equal(line, error.Line);
    }

    [Fact]
    public void Errors_print_line_field_and_message()
    {
        var result = SweepSpecParser.Parse(Spec("  lr: {distribution: uniform, min: -1, max: 1}", "method: random", "run_cap: 5"));
        var error = AssertError(result, "parameters.lr.min");
        Assert.Equal("line 7: parameters.lr.min: -1 is not allowed: lr must be > 0", error.ToString());
        Assert.Equal("line 5: run_cap: 'abc' is not an integer",
            AssertError(SweepSpecParser.Parse(Spec(overrides: "run_cap: abc")), "run_cap").ToString());
    }

    [Theory]
    // Top level.
    [InlineData("foo", "'foo' is not a known field", "name, job, method, metric, parameters")]
    [InlineData("name", "name is required")]
    [InlineData("job", "job is required", "synthetic")]
    [InlineData("method", "method is required", "grid, random or bayes")]
    [InlineData("metric", "metric is required", "{name: loss, goal: minimize}")]
    public void Unknown_and_missing_top_level_fields(string field, params string[] fragments)
    {
        var yaml = field == "foo" ? Spec(overrides: "foo: 1") : Spec(overrides: "-" + field);
        AssertError(SweepSpecParser.Parse(yaml), field, fragments);
    }

    [Theory]
    [InlineData("name: 'bad name!'", "name", "'bad name!' is not a valid name", "A–Z")]
    [InlineData("job: cifar", "job", "'cifar' is not a known job", "synthetic")]
    [InlineData("job: [synthetic]", "job", "expected a single value, not a list")]
    [InlineData("method: bayes", "run_cap", "run_cap is required with method bayes: how many trials to suggest")]
    [InlineData("method: hyperband", "method", "'hyperband' is not a search method; use grid, random or bayes")]
    [InlineData("metric: loss", "metric", "expected a mapping", "'loss'")]
    [InlineData("metric: {name: accuracy}", "metric.name", "'accuracy' is not a metric of job synthetic", "loss")]
    [InlineData("metric: {goal: minimize}", "metric.name", "name is required", "loss")]
    [InlineData("metric: {name: loss, goal: lowest}", "metric.goal", "'lowest' is not a goal; use minimize or maximize")]
    [InlineData("metric: {name: loss, target: 0.1}", "metric.target", "'target' is not a known field", "name, goal")]
    [InlineData("run_cap: abc", "run_cap", "'abc' is not an integer")]
    [InlineData("run_cap: 2.5", "run_cap", "'2.5' is not an integer")]
    [InlineData("run_cap: 0", "run_cap", "0 is not allowed", ">= 1")]
    [InlineData("run_cap: -3", "run_cap", "-3 is not allowed", ">= 1")]
    [InlineData("run_cap: 10001", "run_cap", "10001 is not allowed", "<= 10000")]
    [InlineData("max_concurrent: -1", "max_concurrent", "-1 is not allowed", ">= 0")]
    [InlineData("max_retries: 11", "max_retries", "11 is not allowed", "between 0 and 10")]
    [InlineData("seed: lucky", "seed", "'lucky' is not an integer")]
    public void Bad_top_level_values(string line, string field, params string[] fragments) =>
        AssertError(SweepSpecParser.Parse(Spec(overrides: line)), field, fragments);

    [Theory]
    [InlineData("  foo: {value: 1}", "parameters.foo", "'foo' is not a parameter of job synthetic", "x, y, lr, steps, step_seconds, fail_probability, seed")]
    [InlineData("  x: 0.1", "parameters.x", "expected a mapping with one of value, values or distribution", "'0.1'")]
    [InlineData("  x: {}", "parameters.x", "needs one of value, values or distribution")]
    [InlineData("  x: {min: 0, max: 1}", "parameters.x", "needs one of value, values or distribution", "add distribution")]
    [InlineData("  x: {value: 1, values: [1, 2]}", "parameters.x", "has value and values; give exactly one")]
    [InlineData("  x: {value: 1, min: 0}", "parameters.x.min", "min is only used with distribution")]
    [InlineData("  x: {value: 1, step: 2}", "parameters.x.step", "'step' is not a known field", "value, values, distribution, min, max")]
    [InlineData("  x: {values: []}", "parameters.x.values", "the list is empty")]
    [InlineData("  x: {values: 0.1}", "parameters.x.values", "expected a list", "'0.1'")]
    [InlineData("  x: {value: [1]}", "parameters.x.value", "expected a single value, not a list")]
    [InlineData("  x: {value: }", "parameters.x.value", "a value is required", "a float parameter")]
    [InlineData("  x: {value: '0.1'}", "parameters.x.value", "'0.1' is quoted", "remove the quotes")]
    [InlineData("  x: {value: abc}", "parameters.x.value", "'abc' is not a number")]
    [InlineData("  steps: {value: abc}", "parameters.steps.value", "'abc' is not an integer")]
    [InlineData("  steps: {value: 1.5}", "parameters.steps.value", "'1.5' is not an integer")]
    [InlineData("  steps: {value: 0}", "parameters.steps.value", "0 is not allowed: steps must be >= 1 and <= 1000000")]
    [InlineData("  lr: {value: -1}", "parameters.lr.value", "-1 is not allowed: lr must be > 0")]
    [InlineData("  fail_probability: {values: [0.5, 2]}", "parameters.fail_probability.values[1]", "2 is not allowed: fail_probability must be >= 0 and <= 1")]
    [InlineData("  x: {values: [0.1, oops]}", "parameters.x.values[1]", "'oops' is not a number")]
    [InlineData("  x: {distribution: uniform, min: 0, max: 1}", "parameters.x.distribution", "uniform is not allowed with method grid", "int_uniform", "method random or bayes")]
    [InlineData("  x: {distribution: int_uniform, min: 0, max: 3}", "parameters.x.distribution", "int_uniform is not allowed for x, a float parameter", "uniform or log_uniform_values")]
    [InlineData("  steps: {distribution: uniform, min: 1, max: 5}", "parameters.steps.distribution", "uniform is not allowed for steps, an integer parameter: use int_uniform")]
    [InlineData("  steps: {distribution: int_uniform, min: 1.5, max: 5}", "parameters.steps.min", "1.5 is not allowed: int_uniform bounds must be integers")]
    [InlineData("  steps: {distribution: int_uniform, min: 0, max: 5}", "parameters.steps.min", "0 is not allowed: steps must be >= 1")]
    [InlineData("  steps: {distribution: int_uniform, min: 5, max: 5}", "parameters.steps.max", "5 is not allowed: max must be > min (5)")]
    [InlineData("  steps: {distribution: int_uniform, min: 1}", "parameters.steps.max", "max is required with distribution")]
    [InlineData("  steps: {distribution: int_uniform, min: one, max: 5}", "parameters.steps.min", "'one' is not a number")]
    [InlineData("  steps: {distribution: normal, min: 1, max: 5}", "parameters.steps.distribution", "'normal' is not a supported distribution", "uniform, log_uniform_values, int_uniform")]
    [InlineData("  lr: {distribution: log_uniform, min: -9, max: -2}", "parameters.lr.distribution", "use log_uniform_values")]
    [InlineData("  steps: {distribution: int_uniform, min: 1, max: 1000000}\n  x: {values: [1, 2]}", "parameters", "the grid has 2000000 combinations", "10000", "run_cap", "method random")]
    public void Bad_grid_parameters(string parameters, string field, params string[] fragments) =>
        AssertError(SweepSpecParser.Parse(Spec(parameters)), field, fragments);

    [Theory]
    [InlineData("  lr: {distribution: log_uniform_values, min: 0, max: 1}", "parameters.lr.min", "0 is not allowed: log_uniform_values needs min > 0")]
    [InlineData("  x: {distribution: uniform, min: 1, max: 0}", "parameters.x.max", "0 is not allowed: max must be > min (1)")]
    [InlineData("  fail_probability: {distribution: uniform, min: 0, max: 1.5}", "parameters.fail_probability.max", "1.5 is not allowed: fail_probability must be >= 0 and <= 1")]
    [InlineData("  x: {distribution: uniform, min: '0', max: 1}", "parameters.x.min", "'0' is quoted")]
    public void Bad_random_parameters(string parameters, string field, params string[] fragments) =>
        AssertError(SweepSpecParser.Parse(Spec(parameters, "method: random", "run_cap: 5")), field, fragments);

    [Theory]
    [InlineData("parameters: 3", "parameters", "expected a mapping from job parameter names")]
    [InlineData("parameters: {}", "parameters", "at least one parameter is required", "x, y, lr")]
    [InlineData("-parameters", "parameters", "parameters is required")]
    public void Parameters_block_problems(string line, string field, params string[] fragments)
    {
        var yaml = line.StartsWith('-') ? Spec("") : Spec("", line);
        AssertError(SweepSpecParser.Parse(yaml), field, fragments);
    }

    [Fact]
    public void Random_needs_a_run_cap() =>
        AssertError(SweepSpecParser.Parse(Spec("  x: {distribution: uniform, min: 0, max: 1}", "method: random")),
            "run_cap", "run_cap is required with method random");

    [Fact]
    public void A_malformed_run_cap_is_not_also_reported_missing()
    {
        var result = SweepSpecParser.Parse(Spec("  x: {distribution: uniform, min: 0, max: 1}", "method: random", "run_cap: many"));
        Assert.Equal(new SpecError("run_cap", "'many' is not an integer", 5), Assert.Single(result.Errors));
    }

    [Fact]
    public void Unknown_parameters_and_unknown_jobs_do_not_break_the_other_checks()
    {
        var unknownParameter = SweepSpecParser.Parse(Spec("  foo: {value: abc}\n  x: {value: nope}"));
        Assert.Equal(["parameters.foo", "parameters.x.value"], unknownParameter.Errors.Select(e => e.Field));

        var unknownJob = SweepSpecParser.Parse(Spec("  x: {value: 1}\n  y: {}", "job: nope"));
        Assert.Equal(["job", "parameters.y"], unknownJob.Errors.Select(e => e.Field));
    }

    [Fact]
    public void All_errors_are_collected_in_file_order()
    {
        const string yaml = """
            name: bad name
            job: synthetic
            method: grid
            metric: {name: accuracy, goal: up}
            run_cap: 0
            max_retries: 99
            colour: blue
            parameters:
              lr: {value: -1}
              steps: {values: [1, x]}
              nope: {value: 1}
              x: {distribution: uniform, min: 0, max: 1}
            early_terminate: {type: hyperband}
            """;
        var result = SweepSpecParser.Parse(yaml);
        Assert.Equal(
            ["name", "metric.name", "metric.goal", "run_cap", "max_retries", "colour", "parameters.lr.value", "parameters.steps.values[1]",
             "parameters.nope", "parameters.x.distribution", "early_terminate.min_iter"],
            result.Errors.Select(e => e.Field));
        Assert.Equal([1, 4, 4, 5, 6, 7, 9, 10, 11, 12, 13], result.Errors.Select(e => e.Line ?? 0));
    }
}
