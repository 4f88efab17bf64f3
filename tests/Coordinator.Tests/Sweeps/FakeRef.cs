using Akka.Actor;

namespace Atelier.Coordinator.Tests.Sweeps;

/// <summary>A stand-in actor reference: the domain only passes references along.</summary>
internal sealed class FakeRef(string name) : MinimalActorRef
{
    public override ActorPath Path { get; } = new RootActorPath(new Address("akka", "test")) / name;

    public override IActorRefProvider Provider => throw new NotSupportedException();
}
