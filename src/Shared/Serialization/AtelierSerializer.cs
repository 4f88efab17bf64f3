using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using Atelier.Contracts.Api;

namespace Atelier.Shared.Serialization;

/// <summary>
/// The one serializer for every <see cref="Protocol.IAtelierMessage"/>: System.Text.Json payloads
/// with a versioned string manifest from <see cref="MessageRegistry"/>; a <see cref="PreSerialized"/> message is written as
/// the bytes it carries.
/// </summary>
public sealed class AtelierSerializer : SerializerWithStringManifest
{
    public const string Id = "atelier";
    private readonly JsonSerializerOptions _options;

    public AtelierSerializer(ExtendedActorSystem system) : base(system)
    {
        _options = ApiJson.Create();
        _options.Converters.Add(new ActorRefJsonConverter(system));
        _options.Converters.Add(new AkkaSerializedJsonConverter(system));
    }

    public override int Identifier => 4711;

    public override string Manifest(object o) => o is PreSerialized p ? p.Manifest : MessageRegistry.ManifestOf(o.GetType());

    public override byte[] ToBinary(object obj) =>
        obj is PreSerialized p ? p.Bytes : JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);

    /// <summary>
    /// The bytes and manifest <paramref name="message"/> is written with, on any thread. Only for messages without actor or
    /// stream references: those are written with the address of the transport Akka serializes them for.
    /// </summary>
    public PreSerialized Prepare(Protocol.IAtelierMessage message) => new(Manifest(message), ToBinary(message));

    public override object FromBinary(byte[] bytes, string manifest) =>
        JsonSerializer.Deserialize(bytes, MessageRegistry.TypeOf(manifest), _options)
        ?? throw new System.Runtime.Serialization.SerializationException($"empty payload for {manifest}");
}
