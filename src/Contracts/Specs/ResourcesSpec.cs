namespace Atelier.Contracts.Specs;

/// <summary>
/// <c>resources</c>: what each trial of the sweep needs. <see cref="Gpus"/> devices are reserved together on one node
/// for every trial (a gang: the trial starts only when that many of the node's slots are free, and holds them all until
/// it ends); on a CPU worker the devices are its CPU slots. A job may use fewer (<see cref="Jobs.JobDefinition.MaxDevices"/>).
/// </summary>
public sealed record ResourcesSpec(int Gpus)
{
    /// <summary>The most devices one trial may ask for (the largest GPU servers have 8–16).</summary>
    public const int MaxGpus = 16;

    public static ResourcesSpec Default { get; } = new(1);
}
