namespace Atelier.Coordinator.Sweeps;

/// <summary>Timing of sweep entities (section <c>Atelier:Sweeps</c>).</summary>
public sealed record SweepSettings
{
    /// <summary>A running trial whose slot is silent this long goes back to the queue.</summary>
    public TimeSpan LeaseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a sweep checks its leases and re-announces pending work to the broker.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A snapshot every this many events bounds recovery to the events after it.</summary>
    public int SnapshotEvery { get; init; } = 500;

    /// <summary>The snapshot store plugin the sweeps save to (empty: the actor system's default).</summary>
    public string SnapshotStore { get; init; } = "";
}
