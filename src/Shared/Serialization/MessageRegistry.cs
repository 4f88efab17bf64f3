using System.Collections.Frozen;
using System.Reflection;
using Atelier.Shared.Protocol;

namespace Atelier.Shared.Serialization;

/// <summary>
/// Every concrete <see cref="IAtelierMessage"/> type and its stable wire manifest
/// (<c>SweepEvents.TrialLeased@1</c>): the declaring protocol class, the record name and a
/// format version, so renaming a namespace never breaks a journal.
/// </summary>
public static class MessageRegistry
{
    /// <summary>Bumped when a message's JSON shape changes incompatibly.</summary>
    public const int FormatVersion = 1;

    private static readonly FrozenDictionary<Type, string> ManifestByType = Scan();
    private static readonly FrozenDictionary<string, Type> TypeByManifest =
        ManifestByType.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);

    public static IReadOnlyCollection<Type> Types => ManifestByType.Keys;

    public static string ManifestOf(Type type) =>
        ManifestByType.TryGetValue(type, out var manifest)
            ? manifest
            : throw new ArgumentException($"{type.FullName} is not an Atelier message", nameof(type));

    public static Type TypeOf(string manifest) =>
        TypeByManifest.TryGetValue(manifest, out var type)
            ? type
            : throw new System.Runtime.Serialization.SerializationException(
                $"unknown Atelier message manifest '{manifest}' (written by a newer or older version?)");

    private static FrozenDictionary<Type, string> Scan() =>
        typeof(IAtelierMessage).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IAtelierMessage).IsAssignableFrom(t))
            .ToFrozenDictionary(t => t, t => $"{(t.DeclaringType is { } d ? d.Name + "." : "")}{t.Name}@{FormatVersion}");
}
