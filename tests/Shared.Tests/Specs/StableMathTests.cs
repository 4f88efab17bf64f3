using Atelier.Contracts.Specs;

namespace Atelier.Shared.Tests.Specs;

public class StableMathTests
{
    private static IEnumerable<double> Points()
    {
        var random = new SeededRandom(3);
        for (var i = 0; i < 20_000; i++)
            yield return (random.NextDouble() - 0.5) * 1400; // −700 … 700
    }

    [Fact]
    public void Exp_agrees_with_Math_Exp_to_a_few_ulps()
    {
        foreach (var x in Points().Concat([0, 1, -1, 1e-300, 709.7, -708, -744]))
        {
            var expected = Math.Exp(x);
            Assert.True(Math.Abs(StableMath.Exp(x) - expected) <= 1e-15 * expected + double.Epsilon * 4,
                $"exp({x:R}) = {StableMath.Exp(x):R}, Math.Exp = {expected:R}");
        }
        Assert.Equal(1.0, StableMath.Exp(0));
        Assert.Equal(double.PositiveInfinity, StableMath.Exp(710));
        Assert.Equal(0.0, StableMath.Exp(-746));
        Assert.True(double.IsNaN(StableMath.Exp(double.NaN)));
    }

    [Fact]
    public void Log_agrees_with_Math_Log_to_a_few_ulps()
    {
        foreach (var x in Points().Select(Math.Exp).Concat([1, 2, 0.5, 1 + 1e-12, 1 - 1e-12, 1e-310, double.Epsilon, double.MaxValue]))
        {
            var expected = Math.Log(x);
            Assert.True(Math.Abs(StableMath.Log(x) - expected) <= 1e-15 * Math.Abs(expected) + 1e-300,
                $"log({x:R}) = {StableMath.Log(x):R}, Math.Log = {expected:R}");
        }
        Assert.Equal(0.0, StableMath.Log(1));
        Assert.Equal(double.NegativeInfinity, StableMath.Log(0));
        Assert.True(double.IsNaN(StableMath.Log(-1)));
    }

    [Theory]
    [InlineData(0, 0.5)]
    [InlineData(1, 0.15865525393145707)]
    [InlineData(-1, 0.8413447460685429)]
    [InlineData(3, 0.0013498980316301)]
    [InlineData(8, 6.22096057427178e-16)]
    public void UpperTail_matches_reference_values(double z, double expected) =>
        Assert.InRange(StableMath.UpperTail(z), expected * (1 - 2e-7), expected * (1 + 2e-7));

    [Fact]
    public void NormalMass_is_accurate_in_both_tails()
    {
        Assert.InRange(StableMath.NormalMass(-1, 1), 0.6826893, 0.6826896);
        Assert.InRange(StableMath.NormalMass(8, 9) / 6.22096057427178e-16, 0.999, 1.0);
        Assert.Equal(StableMath.NormalMass(8, 9), StableMath.NormalMass(-9, -8));
        Assert.Equal(0, StableMath.NormalMass(2, 1));
    }
}
