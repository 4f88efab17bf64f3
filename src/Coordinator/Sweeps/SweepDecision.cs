using Akka.Actor;
using Atelier.Shared.Protocol;

namespace Atelier.Coordinator.Sweeps;

/// <summary>
/// What <see cref="SweepState.Process"/> decided: events to persist, then messages to send — to
/// actor references, and to slots known only by their address (<see cref="ToSlots"/>).
/// </summary>
public sealed record SweepDecision(IReadOnlyList<ISweepEvent> Events, IReadOnlyList<Outgoing> Replies)
{
    public static readonly SweepDecision None = new([], []);

    public IReadOnlyList<SlotMessage> ToSlots { get; init; } = [];

    public static SweepDecision Reply(IActorRef to, object message) => new([], [new Outgoing(to, message)]);
}

/// <summary>One message to send once the decision's events are persisted.</summary>
public sealed record Outgoing(IActorRef To, object Message);

/// <summary>One message for the slot named by <paramref name="Slot"/>, sent to <c>NODE/user/SLOT-ID</c> (on the worker, a forwarder to the slot).</summary>
public sealed record SlotMessage(SlotInfo Slot, object Message)
{
    public string Path => $"{Slot.Node}/user/{Slot.SlotId}";
}

/// <summary>Internal tick: requeue running trials whose slot has been silent past the lease timeout.</summary>
public sealed record CheckLeases(DateTimeOffset Now) : ISweepCommand;

/// <summary>
/// Internal: the cluster removed the member <paramref name="Node"/> (its process died, or it was downed after a
/// partition): its running trials go back to the queue now, without waiting for their leases to expire.
/// </summary>
public sealed record NodeRemoved(string Node, DateTimeOffset Now) : ISweepCommand;
