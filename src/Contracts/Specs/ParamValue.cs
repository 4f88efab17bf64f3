using System.Globalization;
using System.Text.Json.Serialization;
using Atelier.Contracts.Jobs;

namespace Atelier.Contracts.Specs;

/// <summary>
/// One typed hyperparameter value: an integer, a finite float, a string or a boolean.
/// Serialized as a plain JSON number/string/bool (see <see cref="ParamValueJsonConverter"/>).
/// </summary>
[JsonConverter(typeof(ParamValueJsonConverter))]
public readonly record struct ParamValue
{
    private readonly long _int;
    private readonly double _float;
    private readonly string? _string;
    private readonly bool _bool;

    private ParamValue(ParamType kind, long i, double f, string? s, bool b)
    {
        Kind = kind;
        _int = i;
        _float = f;
        _string = s;
        _bool = b;
    }

    /// <summary>Which of the four kinds this value is.</summary>
    public ParamType Kind { get; }

    /// <summary>An integer value.</summary>
    public static ParamValue Of(long value) => new(ParamType.Int, value, 0, null, false);

    /// <summary>A float value; NaN and infinities are refused because they have no JSON form.</summary>
    public static ParamValue Of(double value) => double.IsFinite(value)
        ? new(ParamType.Float, 0, value, null, false)
        : throw new ArgumentOutOfRangeException(nameof(value), value, "A parameter value must be a finite number.");

    /// <summary>A string value.</summary>
    public static ParamValue Of(string value) =>
        new(ParamType.String, 0, 0, value ?? throw new ArgumentNullException(nameof(value)), false);

    /// <summary>A boolean value.</summary>
    public static ParamValue Of(bool value) => new(ParamType.Bool, 0, 0, null, value);

    /// <summary>The value as a double; integers convert.</summary>
    public double AsDouble() => Kind switch
    {
        ParamType.Float => _float,
        ParamType.Int => _int,
        _ => throw WrongKind("a number"),
    };

    /// <summary>The value of an integer.</summary>
    public long AsLong() => Kind == ParamType.Int ? _int : throw WrongKind("an integer");

    /// <summary>The value of a string.</summary>
    public string AsString() => Kind == ParamType.String ? _string! : throw WrongKind("a string");

    /// <summary>The value of a boolean.</summary>
    public bool AsBool() => Kind == ParamType.Bool ? _bool : throw WrongKind("a boolean");

    /// <summary>Invariant text: integers plainly, floats in shortest round-trip form, <c>true</c>/<c>false</c>.</summary>
    public override string ToString() => Kind switch
    {
        ParamType.Int => _int.ToString(CultureInfo.InvariantCulture),
        ParamType.Float => _float.ToString("R", CultureInfo.InvariantCulture),
        ParamType.Bool => _bool ? "true" : "false",
        _ => _string ?? "",
    };

    /// <summary>
    /// Parses a command-line value (<c>-p name=value</c>) as <paramref name="type"/>.
    /// </summary>
    /// <exception cref="FormatException">The text is not a valid value of that type.</exception>
    public static ParamValue Parse(string text, ParamType type) =>
        TryParse(text, type, out var value, out var error) ? value : throw new FormatException(error);

    /// <summary>
    /// Parses <paramref name="text"/> as <paramref name="type"/>; on failure <paramref name="error"/> says why,
    /// e.g. <c>'abc' is not an integer</c>.
    /// </summary>
    public static bool TryParse(string text, ParamType type, out ParamValue value, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = default;
        error = null;
        var trimmed = text.Trim();
        switch (type)
        {
            case ParamType.Int:
                if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    value = Of(l);
                    return true;
                }
                error = $"'{text}' is not an integer";
                return false;
            case ParamType.Float:
                if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                {
                    if (double.IsFinite(d))
                    {
                        value = Of(d);
                        return true;
                    }
                    error = $"'{text}' is not a finite number";
                    return false;
                }
                error = $"'{text}' is not a number";
                return false;
            case ParamType.Bool:
                if (bool.TryParse(trimmed, out var b))
                {
                    value = Of(b);
                    return true;
                }
                error = $"'{text}' is not a boolean (use true or false)";
                return false;
            case ParamType.String:
                value = Of(text);
                return true;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
    }

    /// <summary>The value as it appears in error messages: strings quoted, everything else plain.</summary>
    internal string Describe() => Kind == ParamType.String ? $"'{_string}'" : ToString();

    private InvalidOperationException WrongKind(string wanted) =>
        new($"The parameter value {Describe()} is {SnakeCaseNames.Of(Kind)}, not {wanted}.");
}
