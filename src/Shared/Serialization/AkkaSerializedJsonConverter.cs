using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;

namespace Atelier.Shared.Serialization;

/// <summary>
/// Writes values that Akka serializes itself (stream references) as their Akka serializer id,
/// manifest and bytes, so they can travel inside Atelier messages.
/// </summary>
internal sealed class AkkaSerializedJsonConverter(ExtendedActorSystem system) : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() is var d
        && (d == typeof(Akka.Streams.ISinkRef<>) || d == typeof(Akka.Streams.ISourceRef<>));

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert), system)!;

    private sealed class Converter<T>(ExtendedActorSystem system) : JsonConverter<T>
        where T : class
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            return (T)system.Serialization.Deserialize(
                root.GetProperty("bytes").GetBytesFromBase64(), root.GetProperty("serializer").GetInt32(), root.GetProperty("manifest").GetString());
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            var serializer = system.Serialization.FindSerializerFor(value);
            writer.WriteStartObject();
            writer.WriteNumber("serializer", serializer.Identifier);
            writer.WriteString("manifest", Akka.Serialization.Serialization.ManifestFor(serializer, value));
            writer.WriteBase64String("bytes", serializer.ToBinary(value));
            writer.WriteEndObject();
        }
    }
}
