using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Work;

/// <summary>
/// The broker's view of the slots: the last status each reported, and which nodes drain. A slot
/// silent for <see cref="StaleAfter"/> is no longer listed (its node left or died).
/// </summary>
public sealed class SlotDirectory(TimeSpan staleAfter)
{
    private readonly Dictionary<(string Node, string SlotId), (SlotStatus Status, DateTimeOffset Seen)> _slots = new();
    private readonly HashSet<string> _draining = new(StringComparer.Ordinal);

    public TimeSpan StaleAfter => staleAfter;

    public void Record(SlotStatus status, DateTimeOffset now) => _slots[(status.Slot.Node, status.Slot.SlotId)] = (status, now);

    public bool IsDraining(string node) => _draining.Contains(node);

    /// <summary>Marks the node draining; returns the references of its live slots, to be told.</summary>
    public IReadOnlyList<Akka.Actor.IActorRef> Drain(string node, DateTimeOffset now)
    {
        var slots = Live(now).Where(s => s.Slot.Node == node).Select(s => s.SlotRef).ToList();
        if (slots.Count > 0) _draining.Add(node);
        return slots;
    }

    public IReadOnlyList<WorkerDto> Workers(DateTimeOffset now)
    {
        var seen = _slots.ToDictionary(kv => kv.Key, kv => kv.Value.Seen);
        return Live(now)
            .GroupBy(s => s.Slot.Node)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new WorkerDto(g.Key, _draining.Contains(g.Key) || g.All(s => s.Draining), g
                .OrderBy(s => s.Slot.SlotId, StringComparer.Ordinal)
                .Select(s => new SlotDto(s.Slot.SlotId, s.Slot.Device, State(s), s.SweepId?.Value, s.TrialIndex, s.Attempt, s.Step,
                    Math.Round(s.Utilisation, 3), seen[(s.Slot.Node, s.Slot.SlotId)]))
                .ToList()))
            .ToList();
    }

    private IEnumerable<SlotStatus> Live(DateTimeOffset now)
    {
        foreach (var key in _slots.Where(kv => now - kv.Value.Seen > staleAfter).Select(kv => kv.Key).ToList())
            _slots.Remove(key);
        _draining.RemoveWhere(node => _slots.Keys.All(k => k.Node != node));
        return _slots.Values.Select(v => v.Status);
    }

    private static string State(SlotStatus s) => (s.Busy, s.Draining) switch
    {
        (true, true) => "busy (draining)",
        (true, false) => "busy",
        (false, true) => "drained",
        _ => "idle",
    };
}
