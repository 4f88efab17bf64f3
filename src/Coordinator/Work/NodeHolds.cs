using Atelier.Contracts.Api;

namespace Atelier.Coordinator.Work;

/// <summary>
/// The broker's gang reservations: a node held for a sweep whose trials need <c>Devices</c> of its devices at once, at
/// most one node per sweep. Once the node is offered to the sweep with enough devices free, the hold lasts
/// <see cref="OfferGrace"/> more (the node's other freed slots wait, so one-device trials cannot take the devices
/// before the assignment lands), then ends. It also ends when the sweep stops having work. Also remembers which
/// (sweep, node) pairs were already warned about as too small.
/// </summary>
public sealed class NodeHolds
{
    /// <summary>How long a node stays held after it was offered to its sweep with enough devices free.</summary>
    public static readonly TimeSpan OfferGrace = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, Hold> _byNode = new(StringComparer.Ordinal);
    private readonly HashSet<(SweepId, string)> _warned = [];

    /// <summary>A held node: for which sweep, how many devices its trials need, and when it was offered enough.</summary>
    public sealed record Hold(SweepId Sweep, int Devices, DateTimeOffset? OfferedAt = null);

    public int Count => _byNode.Count;

    public Hold? For(string node) => _byNode.GetValueOrDefault(node);

    /// <summary>Holds <paramref name="node"/> for <paramref name="sweep"/> unless the node or the sweep has a hold already; true when newly held.</summary>
    public bool Add(string node, SweepId sweep, int devices)
    {
        if (_byNode.ContainsKey(node) || _byNode.Values.Any(h => h.Sweep == sweep)) return false;
        _byNode[node] = new Hold(sweep, devices);
        return true;
    }

    /// <summary>The node was offered to its sweep with enough devices free: the hold ends after <see cref="OfferGrace"/>.</summary>
    public void Offered(string node, DateTimeOffset now)
    {
        if (_byNode.TryGetValue(node, out var hold)) _byNode[node] = hold with { OfferedAt = now };
    }

    /// <summary>Ends the holds of <paramref name="sweep"/>: on <paramref name="node"/> only, or on every node.</summary>
    public void Release(SweepId sweep, string? node = null)
    {
        foreach (var key in _byNode.Where(kv => kv.Value.Sweep == sweep && (node is null || kv.Key == node)).Select(kv => kv.Key).ToList())
            _byNode.Remove(key);
        if (node is null) _warned.RemoveWhere(w => w.Item1 == sweep);
    }

    /// <summary>True the first time a sweep is found too large for a node.</summary>
    public bool WarnOnce(SweepId sweep, string node) => _warned.Add((sweep, node));
}
