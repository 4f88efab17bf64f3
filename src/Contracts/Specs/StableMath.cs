namespace Atelier.Contracts.Specs;

/// <summary>
/// exp, log and the normal distribution's tail from IEEE additions, multiplications, divisions and square roots
/// only. Math.Exp and Math.Log call the platform's C library, whose last bit may differ between Windows, Linux and
/// macOS; sampled trials must be the same everywhere, so the samplers use these instead (within a few ulps of
/// Math's).
/// </summary>
internal static class StableMath
{
    // ln 2 split so that k·Ln2Hi is exact for the k that occur (fdlibm's constants).
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double InvLn2 = 1.44269504088896338700e+00;
    private const double Sqrt2 = 1.41421356237309514547;
    private const double TwoPow54 = 18014398509481984.0;
    private const double MinNormal = 2.2250738585072014E-308;

    /// <summary>e^x.</summary>
    public static double Exp(double x)
    {
        if (double.IsNaN(x))
            return x;
        if (x > 709.782712893384)
            return double.PositiveInfinity;
        if (x < -745.1332191019412)
            return 0;
        // x = k·ln2 + r with |r| <= ln2/2; e^r by its Taylor series to r^13 (the next term is below 1e-17).
        var k = Math.Round(x * InvLn2);
        var r = x - k * Ln2Hi - k * Ln2Lo;
        var p = 1.0 / 6227020800;
        p = p * r + 1.0 / 479001600;
        p = p * r + 1.0 / 39916800;
        p = p * r + 1.0 / 3628800;
        p = p * r + 1.0 / 362880;
        p = p * r + 1.0 / 40320;
        p = p * r + 1.0 / 5040;
        p = p * r + 1.0 / 720;
        p = p * r + 1.0 / 120;
        p = p * r + 1.0 / 24;
        p = p * r + 1.0 / 6;
        p = p * r + 0.5;
        p = p * r + 1;
        p = p * r + 1;
        return Math.ScaleB(p, (int)k); // managed code in .NET, exact
    }

    /// <summary>The natural logarithm.</summary>
    public static double Log(double x)
    {
        if (double.IsNaN(x) || x < 0)
            return double.NaN;
        if (x == 0)
            return double.NegativeInfinity;
        if (double.IsPositiveInfinity(x))
            return x;
        var e = 0;
        if (x < MinNormal) // subnormal: make it normal first
        {
            x *= TwoPow54;
            e = -54;
        }
        var bits = BitConverter.DoubleToInt64Bits(x);
        e += (int)((bits >> 52) & 0x7FF) - 1023;
        var m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L);
        if (m > Sqrt2)
        {
            m *= 0.5;
            e++;
        }
        // log m = 2·atanh(s), s = (m − 1)/(m + 1), |s| <= 0.172: the series to s^23 is below 1e-18.
        var s = (m - 1) / (m + 1);
        var s2 = s * s;
        var p = 1.0 / 23;
        for (var n = 21; n >= 3; n -= 2)
            p = p * s2 + 1.0 / n;
        var logM = 2 * s + 2 * s * (s2 * p);
        return e * Ln2Hi + (logM + e * Ln2Lo);
    }

    /// <summary>
    /// The standard normal's upper tail Q(z) = P(Z &gt; z) = erfc(z/√2)/2, with a relative error below 1.2e-7
    /// (Numerical Recipes' erfcc, a Chebyshev fit).
    /// </summary>
    public static double UpperTail(double z)
    {
        var x = z / Math.Sqrt(2);
        var ax = Math.Abs(x);
        var t = 1 / (1 + 0.5 * ax);
        var poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        var erfc = t * Exp(-ax * ax + poly);
        return (x >= 0 ? erfc : 2 - erfc) / 2;
    }

    /// <summary>P(a &lt; Z &lt; b) for a standard normal Z, computed in the tail that keeps its precision.</summary>
    public static double NormalMass(double a, double b)
    {
        if (b <= a)
            return 0;
        // Differences of tails far out lose nothing; differences of CDFs near 1 would.
        return a >= 0 ? UpperTail(a) - UpperTail(b)
            : b <= 0 ? UpperTail(-b) - UpperTail(-a)
            : 1 - UpperTail(-a) - UpperTail(b);
    }
}
