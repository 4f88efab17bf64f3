using System.Globalization;
using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Reports.Model;

/// <summary>Short, invariant number text for labels: <c>0.01</c>, <c>1e5</c>, <c>2.5e-4</c>, <c>0.9414</c>.</summary>
public static class NumberText
{
    public static string Of(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsInfinity(value)) return value > 0 ? "∞" : "−∞";
        if (value == 0) return "0";
        var magnitude = Math.Abs(value);
        if (magnitude >= 1e4 || magnitude < 1e-3)
        {
            var exponent = (int)Math.Floor(Math.Log10(magnitude));
            var mantissa = Math.Round(value / Math.Pow(10, exponent), 2);
            if (Math.Abs(mantissa) >= 10)
            {
                mantissa /= 10;
                exponent++;
            }
            return mantissa.ToString("0.##", CultureInfo.InvariantCulture) + "e" + exponent.ToString(CultureInfo.InvariantCulture);
        }
        return value.ToString(magnitude >= 100 ? "0.#" : "0.####", CultureInfo.InvariantCulture);
    }

    /// <summary>A parameter value: numbers as <see cref="Of(double)"/>, integers in full, strings as they are.</summary>
    public static string Of(ParamValue value) => value.Kind switch
    {
        Contracts.Jobs.ParamType.Int => value.AsLong().ToString(CultureInfo.InvariantCulture),
        Contracts.Jobs.ParamType.Float => Of(value.AsDouble()),
        _ => value.ToString(),
    };

    /// <summary>A duration: <c>42 s</c>, <c>3.5 min</c>, <c>2.1 h</c>.</summary>
    public static string Duration(double seconds) => seconds switch
    {
        < 60 => seconds.ToString("0.#", CultureInfo.InvariantCulture) + " s",
        < 3600 => (seconds / 60).ToString("0.#", CultureInfo.InvariantCulture) + " min",
        _ => (seconds / 3600).ToString("0.##", CultureInfo.InvariantCulture) + " h",
    };
}
