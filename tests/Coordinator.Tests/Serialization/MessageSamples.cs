using Akka.Actor;
using Akka.Streams;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.SweepEvents;
using static Atelier.Shared.Protocol.SweepQueries;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Tests.Serialization;

/// <summary>One realistic instance of every message type that crosses the wire or is persisted.</summary>
internal static class MessageSamples
{
    public static IReadOnlyList<object> All(IActorRef someActor, Akka.Actor.ActorSystem system)
    {
        var id = new SweepId("wd-sweep-20261126-abc123");
        var spec = Sweeps.Specs.Grid(2);
        var parameters = new Dictionary<string, ParamValue> { ["x"] = ParamValue.Of(0.25), ["steps"] = ParamValue.Of(3L), ["name"] = ParamValue.Of("a"), ["flag"] = ParamValue.Of(true) };
        var metrics = new Dictionary<string, double> { ["loss"] = 0.125, ["accuracy"] = 0.875 };
        var points = new[] { new MetricPoint(1, metrics), new MetricPoint(2, new Dictionary<string, double> { ["loss"] = 1e-300 }) };
        var slot = new SlotInfo("slot-3", "akka.tcp://atelier@10.0.0.7:4053", "cuda:1");
        var at = new DateTimeOffset(2026, 11, 26, 23, 59, 58, 123, TimeSpan.FromHours(1));
        var request = new RequestWork(slot, someActor);
        var artifact = new ArtifactInfo(ArtifactInfo.Checkpoint, 3, "checkpoints/step-0000003.json", new string('a', 64), 12);
        var trial = new TrialDto(0, TrialStatus.Completed, parameters, 2, "node/slot-0", metrics, "boom", at, at, points, 3.5, 7, [artifact]);
        var sweep = new SweepDto(id.Value, "wd", "synthetic", "grid", spec.Metric, SweepStatus.Running,
            new TrialCountsDto(2, 1, 0, 1, 0, 0), trial, at, null, "name: wd", [trial]);

        return
        [
            new CreateSweep(id, spec, "name: wd\n", 42, at),
            new CreateSweepReply(id, false, 0, "sweep exists"),
            new LeaseTrial(id, slot, someActor),
            new ReportProgress(id, 1, 2, points),
            new ReportProgress(id, 1, 2, points, After: 7),
            new FinishTrial(id, 1, 2, TrialOutcome.Failed, metrics, "InvalidOperationException: boom", points, 12.5),
            new FinishTrial(id, 1, 3, TrialOutcome.Completed, metrics, null, points, null, After: 4),
            new RejectTrial(id, 1, 2, "busy"),
            new PauseSweep(id),
            new ResumeSweep(id),
            new ExtendSweep(id, spec, "name: wd\n"),
            new SweepControlReply(id, true, "paused"),
            new SweepPaused(at),
            new SweepResumed(at),
            new SweepExtended(spec, "name: wd\n", SearchSpace.Expand(spec, 42), at),
            new SweepSnapshot(id, spec, "name: wd\n", 42, at, null, null, true,
                [new TrialSnapshot(0, parameters, TrialStatus.Completed, 2, 1, slot, metrics, "boom", at, at, 1.5, points, [artifact])]),
            new CancelSweep(id, "user asked"),
            new CancelSweepReply(id, true, "cancelled"),
            new SweepCancelled("user asked", at),
            new StopTrial(id, 1, 2, "sweep cancelled"),
            new SweepCreated(id, spec, "name: wd\n", 42, SearchSpace.Expand(spec, 42), at),
            new TrialLeased(1, 2, slot, at),
            new TrialMetricsRecorded(1, 2, points),
            new TrialFinished(1, 2, TrialOutcome.Completed, metrics, null, false, at, 0.75),
            new TrialRequeued(1, 2, "lease expired", at),
            new GetSweep(id, true),
            new SweepDetails(sweep),
            new SweepNotFound(id),
            request,
            new WorkAvailable(id),
            new NoWork(id, request),
            new AssignTrial(id, 1, 2, "synthetic", parameters, 7),
            new FinishAck(id, 1, 2),
            new ProgressAck(id, 1, 2, 9),
            new ArtifactProtocol.OfferArtifact(id, 1, 2, artifact),
            new ArtifactProtocol.UploadTo("u1", Akka.Streams.Dsl.StreamRefs.SinkRef<byte[]>().To(Akka.Streams.Dsl.Sink.Ignore<byte[]>()).Run(system.Materializer()).Result, someActor),
            new ArtifactProtocol.ConfirmUpload("u1"),
            new ArtifactProtocol.UploadResult("u1", false, "SHA-256 mismatch"),
            new ArtifactProtocol.FetchArtifact(id, artifact.Sha256),
            new ArtifactProtocol.DownloadFrom(artifact.Sha256, 12, Akka.Streams.Dsl.Source.Empty<byte[]>().RunWith(Akka.Streams.Dsl.StreamRefs.SourceRef<byte[]>(), system.Materializer()).Result),
            new ArtifactProtocol.RecordArtifact(id, 1, 2, artifact),
            new ArtifactProtocol.ArtifactRecorded(id, artifact.Sha256, null),
            new ArtifactProtocol.ServeArtifact(artifact.Sha256, 12, someActor),
            new TrialArtifactStored(1, 2, artifact, at),
            new TrialSuggested(new TrialPlan(3, parameters), at),
            new TrialEarlyStopped(1, 2, 9, "hyperband: loss 0.8 at rung 9 is not in the top 1/3", at),
            new SlotStatus(slot, someActor, true, false, id, 1, 2, 40, 0.75),
            new SlotStatus(slot, someActor, false, true, null, null, null, null, 0),
            new Drain("node draining"),
            new GetWorkers(),
            new WorkersReply([new WorkerDto(slot.Node, false, [new SlotDto("slot-3", "cuda:1", "busy", id.Value, 1, 2, 40, 0.5, at)])]),
            new DrainNode(slot.Node),
            new DrainNodeReply(slot.Node, 2),
            new Subscribe(id, someActor),
            new Unsubscribe(id, someActor),
            new SweepUpdate(sweep),
        ];
    }
}
