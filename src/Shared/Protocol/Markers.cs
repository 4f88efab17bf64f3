using Atelier.Contracts.Api;

namespace Atelier.Shared.Protocol;

/// <summary>
/// Root marker: every message that crosses the wire or is persisted implements it, and the one
/// <see cref="Serialization.AtelierSerializer"/> is bound to it.
/// </summary>
public interface IAtelierMessage;

/// <summary>Messages routed to one sweep entity of the sweep shard region.</summary>
public interface IWithSweepId : IAtelierMessage
{
    SweepId SweepId { get; }
}

/// <summary>Events persisted by a sweep entity.</summary>
public interface ISweepEvent : IAtelierMessage;

/// <summary>
/// A command a sweep entity decides on: its state turns it into events and replies (<c>SweepState.Process</c>), which
/// takes nothing else.
/// </summary>
public interface ISweepCommand;
