namespace Atelier.Contracts.Specs;

/// <summary>
/// <c>checkpoints</c>: which of a trial's checkpoints the sweep keeps in the artifact store. The newest
/// <see cref="KeepLast"/> always stay (resuming needs the newest; the others are spares should it be damaged); on top
/// of them, the <see cref="KeepBest"/> with the best value of the sweep's metric at their step (Ray Tune's
/// <c>num_to_keep</c> with a <c>checkpoint_score_attribute</c>). The rest leave the sweep and the store's collector
/// deletes their files once no sweep refers to them.
/// </summary>
public sealed record CheckpointSpec(int KeepLast, int KeepBest)
{
    public const int DefaultKeepLast = 3;
    public const int MaxKept = 100;

    public static CheckpointSpec Default { get; } = new(DefaultKeepLast, 0);
}
