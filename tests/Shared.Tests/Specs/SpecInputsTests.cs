using Atelier.Contracts.Specs;

namespace Atelier.Shared.Tests.Specs;

public sealed class SpecInputsTests
{
    private static readonly string Hash = new('a', 64);

    private const string Yaml = """
        # a comment that stays
        name: style
        job: style-transfer
        method: grid
        metric: {name: total_loss, goal: minimize}
        parameters:
          content: {value: images/photo one.png}   # relative to the spec
          style:
            values:
              - "paintings/a.jpg"
              - builtin:swirls
              - 'sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
          vgg_weights: {value: /models/vgg19.pth}
          iterations: {value: 2}
        """;

    private static SweepSpec Parse(string yaml)
    {
        var parsed = SweepSpecParser.Parse(yaml);
        Assert.True(parsed.IsValid, parsed.ToString());
        return parsed.Spec!;
    }

    [Fact]
    public void Locate_finds_every_value_of_the_input_parameters_only_with_field_and_line()
    {
        var found = SpecInputs.Locate(Yaml, Parse(Yaml));
        Assert.Equal(
            [
                ("parameters.content.value", "images/photo one.png", 7, InputKind.Path),
                ("parameters.style.values[0]", "paintings/a.jpg", 10, InputKind.Path),
                ("parameters.style.values[1]", "builtin:swirls", 11, InputKind.Builtin),
                ("parameters.style.values[2]", "sha256:" + Hash, 12, InputKind.Hash),
            ],
            found.Select(o => (o.Field, o.Value, o.Line, o.Kind)));
    }

    [Fact]
    public void Replace_rewrites_only_the_values_given_and_keeps_comments_and_the_rest()
    {
        var spec = Parse(Yaml);
        var found = SpecInputs.Locate(Yaml, spec);
        var hashB = new string('b', 64);
        var rewritten = SpecInputs.Replace(Yaml, found, o => o.Kind == InputKind.Path ? SpecInputs.Reference(o.Value.Contains("photo") ? Hash : hashB) : null);

        Assert.Contains("# a comment that stays", rewritten);
        Assert.Contains("# relative to the spec", rewritten);
        Assert.DoesNotContain("photo one.png", rewritten);
        Assert.DoesNotContain("paintings/a.jpg", rewritten);
        var again = Parse(rewritten);
        Assert.Equal(["sha256:" + Hash, "sha256:" + hashB, "builtin:swirls", "sha256:" + Hash], SpecInputs.Values(again));
        Assert.Equal([Hash, hashB], SpecInputs.Hashes(again));
        Assert.All(SpecInputs.Locate(rewritten, again), o => Assert.NotEqual(InputKind.Path, o.Kind));
    }

    [Fact]
    public void A_coordinator_refuses_paths_bad_references_and_hashes_it_does_not_store()
    {
        var yaml = Yaml.Replace("'sha256:aaaa", "'sha256:AAAA", StringComparison.Ordinal);
        var errors = SpecInputs.CheckForServer(yaml, Parse(yaml), stored: _ => false);
        Assert.Equal(["parameters.content.value", "parameters.style.values[0]", "parameters.style.values[2]"], errors.Select(e => e.Field));
        Assert.Contains("file path", errors[0].Message);
        Assert.Contains("lower-case hex", errors[2].Message);

        var hashes = SpecInputs.CheckForServer(Yaml, Parse(Yaml), stored: h => h != Hash);
        var missing = Assert.Single(hashes, e => e.Field == "parameters.style.values[2]");
        Assert.Contains("not in the coordinator's store", missing.Message);
        Assert.Equal(12, missing.Line);
    }

    [Fact]
    public void Jobs_without_input_parameters_have_none()
    {
        var yaml = SpecTestHelpers.Spec();
        Assert.Empty(SpecInputs.Locate(yaml, Parse(yaml)));
        Assert.Empty(SpecInputs.Hashes(Parse(yaml)));
    }
}
