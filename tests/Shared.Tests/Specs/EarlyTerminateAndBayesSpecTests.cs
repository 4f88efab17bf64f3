using System.Text.Json;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Tests.Specs.SpecTestHelpers;

namespace Atelier.Shared.Tests.Specs;

public class EarlyTerminateAndBayesSpecTests
{
    private const string AllForms = """
          x: {distribution: uniform, min: -1, max: 1}
          lr: {distribution: log_uniform_values, min: 1e-5, max: 1}
          steps: {distribution: int_uniform, min: 1, max: 9}
          y: {values: [0.1, 0.2]}
          seed: {value: 4}
        """;

    [Fact]
    public void Bayes_accepts_every_parameter_form_with_a_run_cap()
    {
        var spec = ParseValid(Spec(AllForms, "method: bayes", "run_cap: 30"));
        Assert.Equal(SearchMethod.Bayes, spec.Method);
        Assert.Equal(30, spec.RunCap);
        Assert.Null(spec.EarlyTerminate);
        Assert.Equal(30, SearchSpace.TrialCount(spec));
    }

    [Theory]
    [InlineData("run_cap: 10001", "run_cap", "10001 is not allowed", "<= 10000")]
    [InlineData("run_cap: 0", "run_cap", "0 is not allowed", ">= 1")]
    public void Bayes_run_cap_is_bounded(string line, string field, params string[] fragments) =>
        AssertError(SweepSpecParser.Parse(Spec(AllForms, "method: bayes", line)), field, fragments);

    [Fact]
    public void Bayes_sweeps_are_not_expanded()
    {
        var spec = ParseValid(Spec(AllForms, "method: bayes", "run_cap: 30"));
        var error = Assert.Throws<InvalidOperationException>(() => SearchSpace.Expand(spec, 1));
        Assert.Contains("bayes trials are suggested one by one", error.Message);
    }

    [Fact]
    public void Hyperband_reads_with_defaults_and_options()
    {
        var spec = ParseValid(Spec(overrides: "early_terminate: {type: hyperband, min_iter: 3}"));
        Assert.Equal(new EarlyTerminateSpec(EarlyTerminateType.Hyperband, 3, 3, null, 3), spec.EarlyTerminate);
        Assert.Equal(EarlyTerminateSpec.Hyperband(3), spec.EarlyTerminate);

        spec = ParseValid(Spec(overrides: "early_terminate:\n  type: hyperband\n  min_iter: 2\n  eta: 2\n  max_iter: 16"));
        Assert.Equal(EarlyTerminateSpec.Hyperband(2, eta: 2, maxIter: 16), spec.EarlyTerminate);
    }

    [Fact]
    public void Median_reads_with_defaults_and_options()
    {
        var spec = ParseValid(Spec(overrides: "early_terminate: {type: median, min_iter: 5}"));
        Assert.Equal(new EarlyTerminateSpec(EarlyTerminateType.Median, 5, 3, null, 3), spec.EarlyTerminate);
        spec = ParseValid(Spec(overrides: "early_terminate: {type: median, min_iter: 1, min_trials: 8}"));
        Assert.Equal(EarlyTerminateSpec.Median(1, minTrials: 8), spec.EarlyTerminate);
        Assert.Null(ParseValid(Spec(overrides: "early_terminate:")).EarlyTerminate);
    }

    [Theory]
    [InlineData("{type: hyperband, min_iter: 0}", "early_terminate.min_iter", "0 is not allowed", "min_iter", ">= 1")]
    [InlineData("{type: median, min_iter: -2}", "early_terminate.min_iter", "-2 is not allowed", ">= 1")]
    [InlineData("{type: hyperband, min_iter: 3, eta: 1}", "early_terminate.eta", "1 is not allowed", "eta must be >= 2")]
    [InlineData("{type: hyperband, min_iter: 3, eta: 2.5}", "early_terminate.eta", "'2.5' is not an integer")]
    [InlineData("{type: hyperband, min_iter: 3, eta: 3000000000}", "early_terminate.eta", "3000000000 is not allowed", "<= 2147483647")]
    [InlineData("{type: hyperband, min_iter: 9, max_iter: 3}", "early_terminate.max_iter", "3 is not allowed", "max_iter must be >= min_iter (9)")]
    [InlineData("{type: hyperband, min_iter: 3, max_iter: 0}", "early_terminate.max_iter", "0 is not allowed", ">= 1")]
    [InlineData("{type: median, min_iter: 3, min_trials: 0}", "early_terminate.min_trials", "0 is not allowed", "min_trials", ">= 1")]
    [InlineData("{type: asha, min_iter: 3}", "early_terminate.type", "'asha' is not an early_terminate type", "hyperband or median")]
    [InlineData("{min_iter: 3}", "early_terminate.type", "type is required", "hyperband or median")]
    [InlineData("{type: hyperband}", "early_terminate.min_iter", "min_iter is required")]
    [InlineData("{type: hyperband, min_iter: }", "early_terminate.min_iter", "min_iter is required")]
    [InlineData("{type: hyperband, min_iter: three}", "early_terminate.min_iter", "'three' is not an integer")]
    [InlineData("{type: hyperband, min_iter: 3, s: 2}", "early_terminate.s", "'s' is not a known field", "type, min_iter, eta, max_iter, min_trials")]
    [InlineData("{type: median, min_iter: 3, eta: 3}", "early_terminate.eta", "eta is only used with type hyperband")]
    [InlineData("{type: median, min_iter: 3, max_iter: 9}", "early_terminate.max_iter", "max_iter is only used with type hyperband")]
    [InlineData("{type: hyperband, min_iter: 3, min_trials: 2}", "early_terminate.min_trials", "min_trials is only used with type median")]
    [InlineData("hyperband", "early_terminate", "expected a mapping such as {type: hyperband", "'hyperband'")]
    [InlineData("[hyperband]", "early_terminate", "expected a mapping", "a list")]
    public void Bad_early_terminate_names_the_field(string value, string field, params string[] fragments)
    {
        var error = AssertError(SweepSpecParser.Parse(Spec(overrides: $"early_terminate: {value}")), field, fragments);
        Assert.Equal(5, error.Line);
    }

    [Fact]
    public void SweepSpec_round_trips_with_early_terminate_and_bayes()
    {
        var spec = ParseValid(Spec(AllForms, "method: bayes", "run_cap: 30", "seed: 7",
            "early_terminate: {type: hyperband, min_iter: 2, eta: 4, max_iter: 64}"));
        var json = RoundTrip(spec);
        Assert.Contains("\"method\":\"bayes\"", json);
        Assert.Contains("\"earlyTerminate\":{\"type\":\"hyperband\",\"minIter\":2,\"eta\":4,\"maxIter\":64,\"minTrials\":3}", json);
        var back = JsonSerializer.Deserialize<SweepSpec>(json, Json)!;
        Assert.Equal(spec.EarlyTerminate, back.EarlyTerminate);
        Assert.Equal(spec with { Parameters = back.Parameters }, back);

        var median = ParseValid(Spec(overrides: "early_terminate: {type: median, min_iter: 5}"));
        Assert.Contains("\"type\":\"median\"", RoundTrip(median));
    }

    [Fact]
    public void Json_written_before_early_terminate_existed_still_reads()
    {
        const string json = """
            {"name":"old","job":"synthetic","method":"grid","metric":{"name":"loss","goal":"minimize"},
             "parameters":[{"kind":"constant","name":"x","value":1.0}],"runCap":null,"maxConcurrent":0,"seed":null,"maxRetries":2}
            """;
        var spec = JsonSerializer.Deserialize<SweepSpec>(json, Json)!;
        Assert.Null(spec.EarlyTerminate);
        Assert.Empty(SweepSpecValidator.Validate(spec));
    }

    [Fact]
    public void A_json_spec_with_bad_early_terminate_or_a_bayes_without_run_cap_is_refused()
    {
        var spec = ParseValid(Spec()) with
        {
            Method = SearchMethod.Bayes,
            EarlyTerminate = new EarlyTerminateSpec(EarlyTerminateType.Hyperband, 0, 1, null, 0),
        };
        var errors = SweepSpecValidator.Validate(spec);
        Assert.Equal(["early_terminate.min_iter", "early_terminate.eta", "early_terminate.min_trials", "run_cap"],
            errors.Select(e => e.Field));
        Assert.Contains("run_cap is required with method bayes", errors[3].Message);

        var maxBelowMin = ParseValid(Spec()) with { EarlyTerminate = EarlyTerminateSpec.Hyperband(9, maxIter: 3) };
        Assert.Equal("early_terminate.max_iter: 3 is not allowed: max_iter must be >= min_iter (9)",
            Assert.Single(SweepSpecValidator.Validate(maxBelowMin)).ToString());
    }

    [Fact]
    public void Unknown_early_terminate_types_are_refused_in_json()
    {
        const string json = """{"type":"asha","minIter":1,"eta":3,"maxIter":null,"minTrials":3}""";
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<EarlyTerminateSpec>(json, Json));
    }
}
