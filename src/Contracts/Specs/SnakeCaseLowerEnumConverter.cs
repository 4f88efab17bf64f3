using System.Text.Json;
using System.Text.Json.Serialization;

namespace Atelier.Contracts.Specs;

/// <summary>
/// Writes and reads an enum as its snake_case name (<c>LogUniformValues</c> ⇄ <c>"log_uniform_values"</c>),
/// the spelling the YAML spec uses; applied to enum types with <c>[JsonConverter]</c>.
/// </summary>
public sealed class SnakeCaseLowerEnumConverter<TEnum>() :
    JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    where TEnum : struct, Enum;

/// <summary>The snake_case names of enum members, as written in specs and JSON.</summary>
public static class SnakeCaseNames
{
    /// <summary>The snake_case name of <paramref name="value"/>, e.g. <c>log_uniform_values</c>.</summary>
    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>Finds the member whose snake_case name is exactly <paramref name="name"/>.</summary>
    public static bool TryParse<TEnum>(string name, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (Of(candidate) == name)
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>All snake_case names of <typeparamref name="TEnum"/>, comma separated, for error messages.</summary>
    public static string List<TEnum>() where TEnum : struct, Enum =>
        string.Join(", ", Enum.GetValues<TEnum>().Select(Of));
}
