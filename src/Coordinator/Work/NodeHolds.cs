using Atelier.Shared.Protocol;

namespace Atelier.Coordinator.Work;

/// <summary>
/// The broker's gang reservations: each node held for at most one sweep whose trials need <c>Devices</c> of its
/// devices at once. A hold ends when the node is offered to that sweep with enough free devices, or when the sweep
/// stops having work. Also remembers which (sweep, node) pairs were already warned about as too small.
/// </summary>
public sealed class NodeHolds
{
    private readonly Dictionary<string, (SweepId Sweep, int Devices)> _byNode = new(StringComparer.Ordinal);
    private readonly HashSet<(SweepId, string)> _warned = [];

    public int Count => _byNode.Count;

    public (SweepId Sweep, int Devices)? For(string node) => _byNode.TryGetValue(node, out var hold) ? hold : null;

    /// <summary>Holds <paramref name="node"/> for <paramref name="sweep"/> unless another sweep holds it; true when newly held.</summary>
    public bool Hold(string node, SweepId sweep, int devices)
    {
        if (_byNode.ContainsKey(node)) return false;
        _byNode[node] = (sweep, devices);
        return true;
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
