using System.Text.Json;
using Atelier.Contracts.Jobs;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Tests.Specs.SpecTestHelpers;

namespace Atelier.Shared.Tests.Specs;

public class ParamValueTests
{
    [Fact]
    public void Accessors_return_the_value_and_ints_convert_to_double()
    {
        Assert.Equal(ParamType.Int, ParamValue.Of(3L).Kind);
        Assert.Equal(3L, ParamValue.Of(3L).AsLong());
        Assert.Equal(3.0, ParamValue.Of(3L).AsDouble());
        Assert.Equal(0.25, ParamValue.Of(0.25).AsDouble());
        Assert.Equal("adam", ParamValue.Of("adam").AsString());
        Assert.True(ParamValue.Of(true).AsBool());
        Assert.Throws<InvalidOperationException>(() => ParamValue.Of(1.5).AsLong());
        Assert.Throws<InvalidOperationException>(() => ParamValue.Of("1").AsDouble());
    }

    [Fact]
    public void Equality_depends_on_kind_and_value()
    {
        Assert.Equal(ParamValue.Of(0.1), ParamValue.Of(0.1));
        Assert.NotEqual(ParamValue.Of(3L), ParamValue.Of(3.0));
        Assert.NotEqual(ParamValue.Of("true"), ParamValue.Of(true));
    }

    [Fact]
    public void Non_finite_floats_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ParamValue.Of(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParamValue.Of(double.PositiveInfinity));
    }

    [Theory]
    [InlineData(ParamType.Int, 42L, "42")]
    [InlineData(ParamType.Float, 0.1, "0.1")]
    [InlineData(ParamType.Float, 3.0, "3")]
    [InlineData(ParamType.Float, 1e-5, "1E-05")]
    [InlineData(ParamType.Bool, true, "true")]
    [InlineData(ParamType.String, "sgd", "sgd")]
    public void ToString_is_invariant_and_round_trips(ParamType type, object value, string expected)
    {
        var v = type switch
        {
            ParamType.Int => ParamValue.Of((long)value),
            ParamType.Float => ParamValue.Of((double)value),
            ParamType.Bool => ParamValue.Of((bool)value),
            _ => ParamValue.Of((string)value),
        };
        Assert.Equal(expected, v.ToString());
        Assert.Equal(v, ParamValue.Parse(v.ToString(), type));
    }

    [Theory]
    [InlineData(" 42 ", ParamType.Int, "42")]
    [InlineData("-7", ParamType.Int, "-7")]
    [InlineData("1e-3", ParamType.Float, "0.001")]
    [InlineData("3", ParamType.Float, "3")]
    [InlineData("TRUE", ParamType.Bool, "true")]
    [InlineData("a b", ParamType.String, "a b")]
    public void Parse_reads_command_line_values(string text, ParamType type, string expected)
    {
        var value = ParamValue.Parse(text, type);
        Assert.Equal(type, value.Kind);
        Assert.Equal(expected, value.ToString());
    }

    [Theory]
    [InlineData("abc", ParamType.Int, "'abc' is not an integer")]
    [InlineData("1.5", ParamType.Int, "'1.5' is not an integer")]
    [InlineData("99999999999999999999", ParamType.Int, "is not an integer")]
    [InlineData("fast", ParamType.Float, "'fast' is not a number")]
    [InlineData("NaN", ParamType.Float, "'NaN' is not a finite number")]
    [InlineData("yes", ParamType.Bool, "'yes' is not a boolean (use true or false)")]
    public void Parse_explains_bad_values(string text, ParamType type, string message)
    {
        var ex = Assert.Throws<FormatException>(() => ParamValue.Parse(text, type));
        Assert.Contains(message, ex.Message);
    }

    [Theory]
    [InlineData(3L, "3")]
    [InlineData(3.0, "3.0")]
    [InlineData(-0.5, "-0.5")]
    [InlineData(1e21, "1E+21")]
    [InlineData("x", "\"x\"")]
    [InlineData(false, "false")]
    public void Json_is_a_plain_primitive_that_keeps_the_kind(object raw, string json)
    {
        var value = raw switch
        {
            long l => ParamValue.Of(l),
            double d => ParamValue.Of(d),
            bool b => ParamValue.Of(b),
            _ => ParamValue.Of((string)raw),
        };
        Assert.Equal(json, JsonSerializer.Serialize(value, Json));
        Assert.Equal(value, JsonSerializer.Deserialize<ParamValue>(json, Json));
    }

    [Theory]
    [InlineData("7", ParamType.Int)]
    [InlineData("7.0", ParamType.Float)]
    [InlineData("7e0", ParamType.Float)]
    [InlineData("7E2", ParamType.Float)]
    [InlineData("12345678901234567890", ParamType.Float)]
    public void Json_numbers_without_point_or_exponent_read_as_int(string json, ParamType kind) =>
        Assert.Equal(kind, JsonSerializer.Deserialize<ParamValue>(json, Json).Kind);

    [Fact]
    public void Json_refuses_objects_and_accepts_null_for_nullable()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ParamValue>("{}", Json));
        Assert.Null(JsonSerializer.Deserialize<ParamValue?>("null", Json));
        Assert.Equal("[1,1.0,null]", JsonSerializer.Serialize(new ParamValue?[] { ParamValue.Of(1L), ParamValue.Of(1.0), null }, Json));
    }
}
