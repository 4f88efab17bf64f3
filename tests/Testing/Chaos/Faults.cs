namespace Atelier.Testing.Chaos;

/// <summary>What the harness can do to the cluster.</summary>
public enum FaultKind
{
    /// <summary>kill -9 of a worker, started again after a pause (a pod restart).</summary>
    KillWorker,

    /// <summary>kill -9 of the coordinator hosting a running sweep, started again after a pause.</summary>
    KillHostCoordinator,

    /// <summary>kill -9 of any coordinator, started again after a pause.</summary>
    KillCoordinator,

    /// <summary>SIGTERM of a worker (it leaves the cluster gracefully), started again after it exited.</summary>
    TermWorker,

    /// <summary>SIGTERM of a coordinator (graceful leave, shards handed over), started again after it exited.</summary>
    TermCoordinator,

    /// <summary>SIGSTOP of a worker for longer than the lease, then SIGCONT: a zombie whose late words must be refused.</summary>
    PauseWorker,

    /// <summary>The artifact store's filesystem filled to the last byte for a while, then freed.</summary>
    DiskFull,

    /// <summary>Every process killed at once, then all started again (a power cut).</summary>
    PowerLoss,
}

/// <summary>One fault as it was carried out: when (seconds since the run began), what, to whom, and how it went.</summary>
public sealed record FaultRecord(int Index, double At, FaultKind Kind, string Target, string Detail)
{
    public override string ToString() => $"#{Index} t={At:0.0}s {Kind} {Target}{(Detail.Length > 0 ? " (" + Detail + ")" : "")}";
}

/// <summary>
/// The seeded plan of a run: which fault comes next and how long each pause lasts. Only the seed and the run's options
/// decide it, so a run can be replayed; the targets picked at run time (which worker, which sweep's host) come from the
/// same random source and the cluster's state.
/// </summary>
public sealed class FaultPlan(long seed, IReadOnlyList<FaultKind> kinds, TimeSpan minGap, TimeSpan maxGap)
{
    private readonly Random _random = new(unchecked((int)seed ^ (int)(seed >> 32)));

    public IReadOnlyList<FaultKind> Kinds { get; } = kinds;

    /// <summary>The pause before the next fault.</summary>
    public TimeSpan NextGap() => minGap + (maxGap - minGap) * _random.NextDouble();

    /// <summary>
    /// The next kind: each kind in turn in a shuffled round, so that every kind comes up equally often over a long run.
    /// </summary>
    public FaultKind NextKind()
    {
        if (_round.Count == 0)
        {
            _round.AddRange(Kinds);
            for (var i = _round.Count - 1; i > 0; i--)
            {
                var j = _random.Next(i + 1);
                (_round[i], _round[j]) = (_round[j], _round[i]);
            }
        }
        var kind = _round[^1];
        _round.RemoveAt(_round.Count - 1);
        return kind;
    }

    private readonly List<FaultKind> _round = [];

    /// <summary>A uniform draw in [<paramref name="min"/>, <paramref name="max"/>) seconds.</summary>
    public TimeSpan Seconds(double min, double max) => TimeSpan.FromSeconds(min + (max - min) * _random.NextDouble());

    /// <summary>One of <paramref name="items"/>, or default when there is none.</summary>
    public T? Pick<T>(IReadOnlyList<T> items) => items.Count == 0 ? default : items[_random.Next(items.Count)];
}
