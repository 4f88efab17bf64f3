using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Atelier.Contracts.Jobs;

namespace Atelier.Contracts.Specs;

/// <summary>
/// Writes a <see cref="ParamValue"/> as a JSON primitive. Floats always carry a '.' or an exponent,
/// so that reading back tells them from integers (a number without '.', 'e' or 'E' reads as an Int).
/// </summary>
public sealed class ParamValueJsonConverter : JsonConverter<ParamValue>
{
    /// <inheritdoc />
    public override ParamValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return ParamValue.Of(reader.GetString()!);
            case JsonTokenType.True:
                return ParamValue.Of(true);
            case JsonTokenType.False:
                return ParamValue.Of(false);
            case JsonTokenType.Number:
                ReadOnlySpan<byte> raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
                var isInteger = raw.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
                if (isInteger && reader.TryGetInt64(out var l))
                    return ParamValue.Of(l);
                var d = reader.GetDouble();
                return double.IsFinite(d) ? ParamValue.Of(d) : throw new JsonException("A parameter value must be a finite number.");
            default:
                throw new JsonException($"A parameter value must be a number, a string or a boolean, not {reader.TokenType}.");
        }
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, ParamValue value, JsonSerializerOptions options)
    {
        switch (value.Kind)
        {
            case ParamType.Int:
                writer.WriteNumberValue(value.AsLong());
                break;
            case ParamType.Float:
                var text = value.ToString();
                if (text.AsSpan().IndexOfAny(".eE") < 0)
                    text += ".0";
                writer.WriteRawValue(text, skipInputValidation: true);
                break;
            case ParamType.Bool:
                writer.WriteBooleanValue(value.AsBool());
                break;
            default:
                writer.WriteStringValue(value.AsString());
                break;
        }
    }
}
