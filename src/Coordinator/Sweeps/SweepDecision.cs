using Akka.Actor;
using Atelier.Shared.Protocol;

namespace Atelier.Coordinator.Sweeps;

/// <summary>What <see cref="SweepState.Process"/> decided: events to persist, then messages to send.</summary>
public sealed record SweepDecision(IReadOnlyList<ISweepEvent> Events, IReadOnlyList<Outgoing> Replies)
{
    public static readonly SweepDecision None = new([], []);

    public static SweepDecision Reply(IActorRef to, object message) => new([], [new Outgoing(to, message)]);
}

/// <summary>One message to send once the decision's events are persisted.</summary>
public sealed record Outgoing(IActorRef To, object Message);

/// <summary>Internal tick: requeue running trials whose slot has been silent past the lease timeout.</summary>
public sealed record CheckLeases(DateTimeOffset Now);
