using System.Text.Json;
using Atelier.Contracts.Jobs;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Tests.Specs.SpecTestHelpers;

namespace Atelier.Shared.Tests.Specs;

public class SweepSpecValidatorTests
{
    [Fact]
    public void A_spec_received_as_json_is_checked_like_a_yaml_one()
    {
        const string json = """
            {"name":"bad name","job":"synthetic","method":"grid","metric":{"name":"loss","goal":"minimize"},
             "parameters":[
               {"kind":"constant","name":"lr","value":-1.0},
               {"kind":"values","name":"steps","values":[]},
               {"kind":"constant","name":"lr","value":0.1},
               {"kind":"distribution","name":"x","distribution":"uniform","min":0.0,"max":1.0}],
             "runCap":null,"maxConcurrent":-2,"seed":null,"maxRetries":2}
            """;
        var spec = JsonSerializer.Deserialize<SweepSpec>(json, Json)!;
        var errors = SweepSpecValidator.Validate(spec);
        Assert.Equal(
            ["name", "max_concurrent", "parameters.lr.value", "parameters.steps.values", "parameters.lr", "parameters.x.distribution"],
            errors.Select(e => e.Field));
        Assert.All(errors, e => Assert.Null(e.Line));
        Assert.Contains("-1 is not allowed: lr must be > 0", errors[2].Message);
    }

    [Fact]
    public void Distributions_are_refused_for_string_and_bool_parameters()
    {
        var errors = new SpecErrorList();
        var optimizer = new JobParameter("optimizer", ParamType.String, null, "", Allowed: ["sgd", "adam"]);
        Assert.False(SweepSpecValidator.CheckDistributionKind(optimizer, Distribution.Uniform, errors));
        var flag = new JobParameter("augment", ParamType.Bool, null, "");
        Assert.False(SweepSpecValidator.CheckDistributionKind(flag, Distribution.IntUniform, errors));
        Assert.Equal(
            ["parameters.optimizer.distribution: uniform is not allowed for optimizer, a string parameter: use value or values",
             "parameters.augment.distribution: int_uniform is not allowed for augment, a boolean parameter: use value or values"],
            errors.ToList().Select(e => e.ToString()));
    }

    [Fact]
    public void String_values_are_checked_against_the_allowed_list()
    {
        var errors = new SpecErrorList();
        var optimizer = new JobParameter("optimizer", ParamType.String, null, "", Allowed: ["sgd", "adam"]);
        SweepSpecValidator.CheckParameter(optimizer, new ValuesParameter("optimizer", [ParamValue.Of("sgd"), ParamValue.Of("lion")]), errors);
        Assert.Equal("parameters.optimizer.values[1]: 'lion' is not allowed: optimizer must be one of sgd, adam",
            Assert.Single(errors.ToList()).ToString());
    }
}
