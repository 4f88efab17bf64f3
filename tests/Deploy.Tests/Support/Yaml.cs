using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Atelier.Deploy.Tests.Support;

/// <summary>A YAML value as plain maps, lists and strings, with path lookups for the checks.</summary>
public sealed class Node(object? value)
{
    public static readonly Node Missing = new(null);

    public object? Value { get; } = value;

    public bool Exists => Value is not null;

    public Node this[string key] =>
        Value is IDictionary<object, object> map && map.TryGetValue(key, out var v) ? new Node(v) : Missing;

    /// <summary>A slash-separated path of map keys, e.g. <c>spec/template/spec</c>.</summary>
    public Node At(string path) => path.Split('/').Aggregate(this, (node, key) => node[key]);

    public IReadOnlyList<Node> Items => Value is IList<object> list ? list.Select(v => new Node(v)).ToList() : [];

    public IReadOnlyDictionary<string, Node> Entries =>
        Value is IDictionary<object, object> map ? map.ToDictionary(kv => (string)kv.Key, kv => new Node(kv.Value)) : new Dictionary<string, Node>();

    public string? Text => Value as string;

    public override string ToString() => Text ?? Value?.ToString() ?? "(missing)";

    public static IReadOnlyList<Node> ParseDocuments(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        var documents = new List<Node>();
        while (parser.Accept<DocumentStart>(out _))
        {
            var value = deserializer.Deserialize<object?>(parser);
            if (value is not null) documents.Add(new Node(value));
        }
        return documents;
    }
}
