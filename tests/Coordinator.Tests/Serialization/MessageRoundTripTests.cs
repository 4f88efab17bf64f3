using System.Text.Json;
using Akka.Hosting;
using Atelier.Contracts.Api;
using Atelier.Shared.Hosting;
using Atelier.Shared.Serialization;

namespace Atelier.Coordinator.Tests.Serialization;

/// <summary>Every message type round-trips through the serializer the production wiring binds.</summary>
public sealed class MessageRoundTripTests : Akka.Hosting.TestKit.TestKit
{
    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.WithAtelierSerialization();

    [Fact]
    public void Every_registered_message_type_has_a_sample()
    {
        var sampled = MessageSamples.All(TestActor, Sys).Select(m => m.GetType()).ToHashSet();
        var missing = MessageRegistry.Types.Where(t => !sampled.Contains(t)).Select(t => t.FullName).ToList();
        Assert.True(missing.Count == 0, "add a sample for: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_message_round_trips_through_the_atelier_serializer()
    {
        var plain = Plain();
        foreach (var message in MessageSamples.All(TestActor, Sys))
        {
            var serializer = Sys.Serialization.FindSerializerFor(message);
            Assert.IsType<AtelierSerializer>(serializer);

            var bytes = serializer.ToBinary(message);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
            var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);

            Assert.IsType(message.GetType(), back);
            Assert.Equal(JsonSerializer.Serialize(message, message.GetType(), plain), JsonSerializer.Serialize(back, back.GetType(), plain));
        }
    }

    /// <summary>What a message holds, compared without the live parts (actor paths and stream references by type).</summary>
    private static JsonSerializerOptions Plain()
    {
        var plain = ApiJson.Create();
        plain.Converters.Add(new ActorPathOnly());
        plain.Converters.Add(new StreamRefTypeOnly());
        return plain;
    }

    [Fact]
    public void Actor_references_resolve_back_to_the_same_actor()
    {
        var message = new Shared.Protocol.WorkerProtocol.RequestWork(new Shared.Protocol.SlotInfo("s", "n", "cpu"), TestActor);
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var back = (Shared.Protocol.WorkerProtocol.RequestWork)Sys.Serialization.Deserialize(
            serializer.ToBinary(message), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
        Assert.Equal(TestActor, back.SlotRef);
    }

    [Fact]
    public void A_message_serialized_ahead_is_written_as_its_bytes_and_read_back_as_the_message()
    {
        var plain = Plain();
        foreach (var message in MessageSamples.All(TestActor, Sys))
        {
            var atelier = (AtelierSerializer)Sys.Serialization.FindSerializerFor(message);
            var ahead = atelier.Prepare((Shared.Protocol.IAtelierMessage)message);
            // What a store does with it: the serializer bound to its type, and that serializer's manifest.
            var serializer = Sys.Serialization.FindSerializerFor(ahead);
            Assert.Same(atelier, serializer);
            Assert.Equal(Akka.Serialization.Serialization.ManifestFor(atelier, message), Akka.Serialization.Serialization.ManifestFor(serializer, ahead));
            var back = Sys.Serialization.Deserialize(serializer.ToBinary(ahead), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, ahead));

            Assert.IsType(message.GetType(), back);
            Assert.Equal(JsonSerializer.Serialize(message, message.GetType(), plain), JsonSerializer.Serialize(back, back.GetType(), plain));
        }
    }

    [Fact]
    public void Manifests_name_the_protocol_class_the_record_and_the_format_version()
    {
        Assert.Equal("SweepEvents.TrialLeased@1", MessageRegistry.ManifestOf(typeof(Shared.Protocol.SweepEvents.TrialLeased)));
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => MessageRegistry.TypeOf("SweepEvents.Gone@1"));
        Assert.Contains("SweepEvents.Gone@1", error.Message);
    }

    /// <summary>Stream references have no JSON of their own: compared by their type in the expected JSON.</summary>
    private sealed class StreamRefTypeOnly : System.Text.Json.Serialization.JsonConverterFactory
    {
        public override bool CanConvert(Type t) => t.GetInterfaces().Append(t).Any(i => i.IsGenericType &&
            (i.GetGenericTypeDefinition() == typeof(Akka.Streams.ISinkRef<>) || i.GetGenericTypeDefinition() == typeof(Akka.Streams.ISourceRef<>)));

        public override System.Text.Json.Serialization.JsonConverter CreateConverter(Type t, JsonSerializerOptions o) =>
            (System.Text.Json.Serialization.JsonConverter)Activator.CreateInstance(typeof(TypeName<>).MakeGenericType(t))!;

        private sealed class TypeName<T> : System.Text.Json.Serialization.JsonConverter<T>
        {
            public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

            public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value!.GetType().Name);
        }
    }

    /// <summary>Compares actor references by path in the expected JSON.</summary>
    private sealed class ActorPathOnly : System.Text.Json.Serialization.JsonConverter<Akka.Actor.IActorRef>
    {
        public override bool CanConvert(Type typeToConvert) => typeof(Akka.Actor.IActorRef).IsAssignableFrom(typeToConvert);

        public override Akka.Actor.IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, Akka.Actor.IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Path.ToStringWithoutAddress());
    }
}
