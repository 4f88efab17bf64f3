using Akka.Event;

namespace Atelier.GpuWorker.Slots;

/// <summary>Messages between a slot and its node's <see cref="NodeDevicesActor"/> (local only, never on the wire).</summary>
internal static class DeviceMessages
{
    /// <summary>
    /// An idle slot pulls work: the node sends the broker the slot's request, with how many of its devices are free
    /// then, unless the slot's device is lent to another slot's trial (it answers <see cref="Lent"/> instead).
    /// </summary>
    public sealed record PullWork(long Sequence);

    /// <summary>
    /// A slot starting <paramref name="Trial"/> asks for its own device and <paramref name="Count"/> − 1 free others;
    /// answered <see cref="DevicesReserved"/> or <see cref="DevicesRefused"/>.
    /// </summary>
    public sealed record ReserveDevices(int Count, DeviceLedger.TrialKey Trial);

    /// <summary>The devices the trial holds, the slot's own first.</summary>
    public sealed record DevicesReserved(IReadOnlyList<string> Devices);

    /// <summary>Nothing was reserved: why, for the sweep.</summary>
    public sealed record DevicesRefused(string Reason);

    /// <summary>
    /// The slot's trial ended, or the slot stopped: every device its trial held is free again. With
    /// <paramref name="WakeLent"/> the slots it borrowed ask for work at once rather than at their next tick. A slot
    /// stopping with the whole node finds its parent gone: no dead-letter line for that.
    /// </summary>
    public sealed record ReleaseDevices(bool WakeLent) : IDeadLetterSuppression;

    /// <summary>To a slot: its device is lent to <paramref name="Trial"/> of another slot (null: no longer).</summary>
    public sealed record Lent(DeviceLedger.TrialKey? Trial);
}
