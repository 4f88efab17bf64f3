using Akka.Actor;
using Atelier.Contracts.Api;

namespace Atelier.GpuWorker.Slots;

/// <summary>
/// Which of a worker's devices are free, and which slot's trial holds the others (one slot per device). A slot that
/// starts a trial reserves its own device and, for a trial needing several (<c>resources.gpus</c>), as many other free
/// ones; the slots it borrowed stay idle, ask for no work and report the owner's trial until the owner releases them.
/// The state of the node's <see cref="NodeDevicesActor"/>, used on that actor's thread only.
/// </summary>
public sealed class DeviceLedger
{
    private readonly string[] _devices;
    private readonly IActorRef?[] _slots;
    private readonly int[] _owner; // -1 = free, else the index of the slot whose trial holds the device
    private readonly TrialKey?[] _trial;

    public DeviceLedger(IReadOnlyList<string> devices)
    {
        _devices = devices.ToArray();
        _slots = new IActorRef?[_devices.Length];
        _owner = Enumerable.Repeat(-1, _devices.Length).ToArray();
        _trial = new TrialKey?[_devices.Length];
    }

    /// <summary>A trial attempt holding devices.</summary>
    public sealed record TrialKey(SweepId SweepId, int TrialIndex, int Attempt);

    public int Count => _devices.Length;

    public int Free => _owner.Count(o => o < 0);

    public void Register(int slot, IActorRef actor) => _slots[slot] = actor;

    /// <summary>
    /// Reserves device <paramref name="slot"/> and <paramref name="count"/> − 1 other free ones (the lowest numbered)
    /// for <paramref name="trial"/>; returns the devices, the slot's own first, or null (nothing reserved) when too
    /// few are free or the slot's own device is lent to another trial.
    /// </summary>
    public IReadOnlyList<string>? TryReserve(int slot, int count, TrialKey trial)
    {
        if (_owner[slot] >= 0 || count < 1) return null;
        var others = Enumerable.Range(0, _devices.Length).Where(i => i != slot && _owner[i] < 0).Take(count - 1).ToList();
        if (others.Count < count - 1) return null;
        List<int> taken = [slot, .. others];
        foreach (var i in taken)
        {
            _owner[i] = slot;
            _trial[i] = trial;
        }
        return taken.Select(i => _devices[i]).ToList();
    }

    /// <summary>Frees every device <paramref name="slot"/>'s trial holds; returns the other slots that were lent, to wake them.</summary>
    public IReadOnlyList<IActorRef> Release(int slot)
    {
        var woken = new List<IActorRef>();
        for (var i = 0; i < _devices.Length; i++)
        {
            if (_owner[i] != slot) continue;
            _owner[i] = -1;
            _trial[i] = null;
            if (i != slot && _slots[i] is { } actor) woken.Add(actor);
        }
        return woken;
    }

    /// <summary>The other slots whose devices <paramref name="slot"/>'s trial borrowed.</summary>
    public IReadOnlyList<IActorRef> Borrowed(int slot) =>
        Enumerable.Range(0, _devices.Length).Where(i => i != slot && _owner[i] == slot && _slots[i] is not null).Select(i => _slots[i]!).ToList();

    /// <summary>The trial that borrowed <paramref name="slot"/>'s device from another slot, or null when it is free or its own.</summary>
    public TrialKey? LentTo(int slot) => _owner[slot] >= 0 && _owner[slot] != slot ? _trial[slot] : null;
}
