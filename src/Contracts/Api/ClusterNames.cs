namespace Atelier.Contracts.Api;

/// <summary>Cluster role, shard and singleton names, in one place for every process.</summary>
public static class ClusterNames
{
    public const string ActorSystem = "atelier";
    public const string CoordinatorRole = "coordinator";
    public const string WorkerRole = "gpu-worker";
    public const string SweepShardRegion = "sweep";
    public const string WorkBrokerSingleton = "work-broker";
    public const int DefaultRemotingPort = 4053;
    public const int DefaultApiPort = 9110;
}
