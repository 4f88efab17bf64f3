using Atelier.Contracts.Specs;
using static Atelier.Shared.Tests.Specs.SpecTestHelpers;

namespace Atelier.Shared.Tests.Specs;

public sealed class ResourcesSpecTests
{
    [Fact]
    public void Gpus_default_to_one_and_are_read_from_resources()
    {
        Assert.Equal(1, ParseValid(Spec()).DevicesPerTrial);
        var spec = ParseValid(Spec(overrides: "resources: {gpus: 4}"));
        Assert.Equal(new ResourcesSpec(4), spec.Resources);
        Assert.Equal(4, spec.DevicesPerTrial);
        Assert.Equal(1, ParseValid(Spec(overrides: "resources: {}")).DevicesPerTrial);
    }

    [Theory]
    [InlineData("resources: {gpus: 0}", "resources.gpus", "0 is not allowed: gpus must be between 1 and 16")]
    [InlineData("resources: {gpus: 17}", "resources.gpus", "17 is not allowed: gpus must be between 1 and 16")]
    [InlineData("resources: {gpus: two}", "resources.gpus", "'two' is not an integer")]
    [InlineData("resources: {cpus: 2}", "resources.cpus", "'cpus' is not a known field", "gpus")]
    [InlineData("resources: 2", "resources", "expected a mapping such as {gpus: 2}")]
    public void Bad_resources_are_refused_with_the_field_named(string line, string field, params string[] fragments) =>
        AssertError(SweepSpecParser.Parse(Spec(overrides: line)), field, fragments);

    [Fact]
    public void A_job_that_uses_one_device_refuses_more()
    {
        var yaml = """
            name: style
            job: style-transfer
            method: grid
            metric: {name: total_loss, goal: minimize}
            resources: {gpus: 2}
            parameters:
              style_weight: {values: [1000]}
            """;
        AssertError(SweepSpecParser.Parse(yaml), "resources.gpus", "the style-transfer job runs each trial on one device, so gpus must be at most 1");
    }

    [Fact]
    public void The_validator_checks_resources_of_a_spec_given_as_json()
    {
        var spec = ParseValid(Spec()) with { Resources = new ResourcesSpec(32) };
        var error = Assert.Single(SweepSpecValidator.Validate(spec));
        Assert.Equal("resources.gpus", error.Field);
    }

    [Fact]
    public void Resources_survive_the_json_round_trip()
    {
        var spec = ParseValid(Spec(overrides: "resources: {gpus: 3}"));
        var back = System.Text.Json.JsonSerializer.Deserialize<SweepSpec>(RoundTrip(spec), Json);
        Assert.Equal(3, back!.DevicesPerTrial);
    }
}
