namespace Atelier.Shared.Protocol;

/// <summary>Which worker slot runs a trial: its id, the node's address and the device it drives.</summary>
public sealed record SlotInfo(string SlotId, string Node, string Device);

/// <summary>How a trial attempt ended.</summary>
public enum TrialOutcome
{
    Completed,
    Failed,
    Cancelled,
}
