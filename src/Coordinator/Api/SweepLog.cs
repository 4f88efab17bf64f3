using System.Globalization;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.SweepEvents;

namespace Atelier.Coordinator.Api;

/// <summary>
/// A sweep's journal read as a log: each persisted event as one line, in the order the sweep decided them. The
/// journal is the sweep's whole history (snapshots never delete events), so the log is complete after any restart.
/// </summary>
public static class SweepLog
{
    /// <summary>The line of one event, or null for metric events when <paramref name="withMetrics"/> is false.</summary>
    public static SweepLogLine? Describe(long sequence, object e, bool withMetrics) => e switch
    {
        SweepCreated c => new(sequence, c.At, null, null, "created",
            $"sweep {c.SweepId} created: job {c.Spec.Job}, method {c.Spec.Method.ToString().ToLowerInvariant()}, "
            + $"{(c.Trials.Count > 0 ? Count(c.Trials.Count, "trial") : "trials suggested one by one")}, seed {c.Seed}"),
        TrialSuggested s => new(sequence, s.At, s.Trial.Index, null, "suggested", $"trial {s.Trial.Index} suggested: {Parameters(s.Trial.Parameters)}"),
        TrialLeased l => new(sequence, l.At, l.TrialIndex, l.Attempt, "leased",
            $"trial {l.TrialIndex} attempt {l.Attempt} started on {l.Slot.Node} {l.Slot.SlotId} ({l.Slot.Device}{(l.Devices > 1 ? $" and {l.Devices - 1} more devices of the node" : "")})"),
        TrialMetricsRecorded m when withMetrics => new(sequence, null, m.TrialIndex, m.Attempt, "metrics",
            string.Join("; ", m.Points.Select(p => $"step {p.Step}: {Values(p.Values)}"))),
        TrialMetricsRecorded => null,
        TrialArtifactStored a => new(sequence, a.At, a.TrialIndex, a.Attempt, "artifact",
            $"trial {a.TrialIndex} stored {a.Artifact.Kind} {a.Artifact.FileName} (step {a.Artifact.Step}, {a.Artifact.Size} bytes, sha256 {a.Artifact.Sha256[..12]}…)"),
        TrialFinished { Outcome: TrialOutcome.Completed } f => new(sequence, f.At, f.TrialIndex, f.Attempt, "finished",
            $"trial {f.TrialIndex} attempt {f.Attempt} completed: {Values(f.FinalMetrics)}"),
        TrialFinished { Outcome: TrialOutcome.Cancelled } f => new(sequence, f.At, f.TrialIndex, f.Attempt, "cancelled",
            $"trial {f.TrialIndex} attempt {f.Attempt} cancelled"),
        TrialFinished f => new(sequence, f.At, f.TrialIndex, f.Attempt, f.WillRetry ? "retrying" : "failed",
            $"trial {f.TrialIndex} attempt {f.Attempt} failed{(f.WillRetry ? ", will retry" : "")}: {f.Error}"),
        TrialEarlyStopped s => new(sequence, s.At, s.TrialIndex, s.Attempt, "stopped",
            $"trial {s.TrialIndex} stopped early at rung {s.Rung}: {s.Reason}"),
        TrialRequeued r => new(sequence, r.At, r.TrialIndex, r.Attempt, "requeued",
            $"trial {r.TrialIndex} attempt {r.Attempt} requeued: {r.Reason}"),
        SweepPaused p => new(sequence, p.At, null, null, "paused", "sweep paused: no new trials start"),
        SweepResumed r => new(sequence, r.At, null, null, "resumed", "sweep resumed"),
        SweepExtended x => new(sequence, x.At, null, null, "extended", $"sweep extended by {Count(x.NewTrials.Count, "trial")}"),
        SweepCancelled c => new(sequence, c.At, null, null, "cancelled", $"sweep cancelled: {c.Reason}"),
        _ => null,
    };

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    private static string Values(IReadOnlyDictionary<string, double> values) =>
        string.Join(", ", values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value.ToString("G6", CultureInfo.InvariantCulture)}"));

    private static string Parameters(IReadOnlyDictionary<string, Contracts.Specs.ParamValue> values) =>
        string.Join(", ", values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}"));
}
