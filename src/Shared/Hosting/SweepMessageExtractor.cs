using Akka.Cluster.Sharding;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;

namespace Atelier.Shared.Hosting;

/// <summary>Routes <see cref="IWithSweepId"/> messages to sweep entities by id.</summary>
public sealed class SweepMessageExtractor() : HashCodeMessageExtractor(maxNumberOfShards: 50)
{
    // StartEntity (remember-entities) is handled by the base class.
    public override string? EntityId(object message) => (message as IWithSweepId)?.SweepId.Value;
}
