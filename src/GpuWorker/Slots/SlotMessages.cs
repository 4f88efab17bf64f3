using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;

namespace Atelier.GpuWorker.Slots;

/// <summary>Messages a running job's thread sends to its slot actor (local only, never on the wire).</summary>
internal static class SlotMessages
{
    /// <summary>Identifies one run of one attempt, so messages of an earlier run are ignored.</summary>
    public sealed record RunKey(SweepId SweepId, int TrialIndex, int Attempt, long RunNumber);

    public sealed record JobMetrics(RunKey Run, MetricPoint Point);

    /// <summary>
    /// The attempt's job starts after <paramref name="Step"/>: the step of the checkpoint restored for it, or -1 when
    /// it starts from scratch. Its metrics continue the trial's history from there.
    /// </summary>
    public sealed record Resumed(RunKey Run, long Step);

    /// <summary>The job returned (<paramref name="FinalMetrics"/>), threw (<paramref name="Error"/>) or was stopped.</summary>
    public sealed record JobEnded(RunKey Run, IReadOnlyDictionary<string, double>? FinalMetrics, string? Error, bool Stopped = false)
    {
        /// <summary>When the job returned (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), made on the job's thread.</summary>
        public long EndedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// The job wrote a file (a checkpoint, a preview, a result); the slot uploads it to the store.
    /// A negative <paramref name="Step"/> means "the last step the job reported".
    /// </summary>
    public sealed record JobFile(RunKey Run, string Kind, long Step, string Path);

    /// <summary>The uploads queued before <paramref name="Ended"/> are done (or the wait for them timed out).</summary>
    public sealed record UploadsDone(JobEnded Ended);

    /// <summary>Something worth a log line from a job's preparation or an upload, made off the actor thread.</summary>
    public sealed record Note(string Text, bool Warning);

    public sealed record RequestTick;

    public sealed record FlushTick;

    public sealed record StatusTick;

    public sealed record ResendTick;
}
