using Akka.Actor;
using Atelier.Contracts.Api;
using Atelier.GpuWorker.Jobs;
using static Atelier.GpuWorker.Slots.SlotMessages;

namespace Atelier.GpuWorker.Slots;

/// <summary>
/// Forwards a job's reports from its thread to the slot actor as messages (<see cref="JobExecution"/> has checked that
/// every metric is finite).
/// </summary>
internal sealed class ActorJobReporter(IActorRef slot, RunKey run) : IJobReporter
{
    public void Metrics(long step, IReadOnlyDictionary<string, double> values)
    {
        slot.Tell(new JobMetrics(run, new MetricPoint(step, new Dictionary<string, double>(values))));
    }

    public void Artifact(string kind, string path) => slot.Tell(new JobFile(run, kind, -1, path));

    public void Checkpoint(long step, string path) => slot.Tell(new JobFile(run, ArtifactInfo.Checkpoint, step, path));
}
