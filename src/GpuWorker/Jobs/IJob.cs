using Atelier.Contracts.Jobs;

namespace Atelier.GpuWorker.Jobs;

/// <summary>
/// A kind of work a slot can run. <see cref="Run"/> is called on a dedicated thread (never an
/// actor's), blocks until the job ends, reports progress through <see cref="JobContext.Reporter"/>
/// and stops promptly when <see cref="JobContext.Cancellation"/> fires (by throwing
/// <see cref="OperationCanceledException"/>).
/// </summary>
public interface IJob
{
    JobDefinition Definition { get; }

    JobResult Run(JobContext context);
}

/// <summary>What a job ends with: its final metrics (the sweep's metric among them).</summary>
public sealed record JobResult(IReadOnlyDictionary<string, double> FinalMetrics);

/// <summary>
/// Everything a job gets: its checked parameters, which attempt this is, where to write, how to report, whether it
/// resumes, and its cancellation. <see cref="Devices"/> are the devices the slot reserved for the trial (<c>cpu</c>,
/// <c>cuda:N</c>; one, or <c>resources.gpus</c> of them on one node); empty when the job runs standalone, where a job
/// picks its own.
/// </summary>
public sealed record JobContext(
    string TrialName,
    int Attempt,
    JobParameters Parameters,
    string WorkDirectory,
    IJobReporter Reporter,
    bool Resume,
    CancellationToken Cancellation,
    IReadOnlyList<string>? Devices = null)
{
    /// <summary>The first (for most jobs the only) reserved device; null when the job runs standalone.</summary>
    public string? Device => Devices is { Count: > 0 } d ? d[0] : null;
}

/// <summary>Where a job's progress goes: metrics per step, artifacts and checkpoints it wrote.</summary>
public interface IJobReporter
{
    void Metrics(long step, IReadOnlyDictionary<string, double> values);

    /// <summary>A file the job produced (a picture, a result); <paramref name="kind"/> says what it is.</summary>
    void Artifact(string kind, string path);

    /// <summary>
    /// A checkpoint from which the job can resume after <paramref name="step"/>. The slot uploads the
    /// file as it is: a job should write each checkpoint to a new file (a file rewritten during the
    /// upload arrives with the wrong hash and is refused).
    /// </summary>
    void Checkpoint(long step, string path);
}
