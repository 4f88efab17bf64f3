using Atelier.Contracts.Api;

namespace Atelier.Shared.Protocol;

/// <summary>Read-side questions to a sweep entity.</summary>
public static class SweepQueries
{
    /// <summary>Replies <see cref="SweepDetails"/> or <see cref="SweepNotFound"/>.</summary>
    public sealed record GetSweep(SweepId SweepId, bool IncludeHistory) : IWithSweepId;

    public sealed record SweepDetails(SweepDto Sweep) : IAtelierMessage;

    public sealed record SweepNotFound(SweepId SweepId) : IAtelierMessage;

    /// <summary>
    /// Push every change of the sweep to <paramref name="Subscriber"/> as <see cref="SweepUpdate"/>
    /// (throttled), starting with its current state, until it stops or sends <see cref="Unsubscribe"/>.
    /// A sweep that does not exist answers <see cref="SweepNotFound"/>.
    /// </summary>
    public sealed record Subscribe(SweepId SweepId, Akka.Actor.IActorRef Subscriber) : IWithSweepId;

    public sealed record Unsubscribe(SweepId SweepId, Akka.Actor.IActorRef Subscriber) : IWithSweepId;

    /// <summary>The sweep as it is now (trials without history).</summary>
    public sealed record SweepUpdate(SweepDto Sweep) : IAtelierMessage;
}
