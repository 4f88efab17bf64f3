using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Atelier.Contracts.Api;

/// <summary>Identifier of one sweep: lower-case letters, digits and dashes, 1–64 characters.</summary>
[JsonConverter(typeof(SweepIdJsonConverter))]
public readonly partial record struct SweepId
{
    public string Value { get; }

    public SweepId(string value)
    {
        if (!IsValid(value))
            throw new ArgumentException(
                $"'{value}' is not a sweep id: use 1–64 lower-case letters, digits and dashes", nameof(value));
        Value = value;
    }

    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    /// <summary>What is wrong with <paramref name="value"/> as a sweep id, for API and pbm errors.</summary>
    public static string Invalid(string value) =>
        $"'{value}' is not a sweep id: ids are lower-case letters, digits and dashes (see `pbm sweep list`)";

    /// <summary>A new id from the sweep's name, the time and a random suffix, e.g. <c>wd-sweep-20261126-8f3a2c</c>.</summary>
    public static SweepId New(string name, DateTimeOffset now)
    {
        var slug = new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        if (slug.Length > 40) slug = slug[..40].Trim('-');
        var suffix = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
        var head = slug.Length == 0 ? "sweep" : slug;
        return new SweepId($"{head}-{now:yyyyMMdd}-{suffix}");
    }

    public override string ToString() => Value;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex Pattern();
}

internal sealed class SweepIdJsonConverter : JsonConverter<SweepId>
{
    public override SweepId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetString() ?? throw new JsonException("sweep id is null"));

    public override void Write(Utf8JsonWriter writer, SweepId value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);
}
