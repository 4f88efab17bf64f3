using Akka.Actor;
using Akka.Event;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using static Atelier.GpuWorker.Slots.DeviceMessages;
using static Atelier.GpuWorker.Slots.SlotMessages;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.GpuWorker.Slots;

// The attempt a slot runs, from the devices its parent reserved to the result the sweep acknowledges.
public sealed partial class SlotActor
{
    private void Start(AssignTrial a, IReadOnlyList<string> devices)
    {
        var run = new RunKey(a.SweepId, a.TrialIndex, a.Attempt, ++_runNumber);
        _lastStep = -1;
        _idleMs = _idleSince is { } since ? System.Diagnostics.Stopwatch.GetElapsedTime(since).TotalMilliseconds : null;
        _current = run;
        _metrics.Start(run);
        _cancel = new CancellationTokenSource();
        Become(Busy);
        Timers.StartPeriodicTimer("flush", new FlushTick(), _settings.FlushInterval);
        _log.Info("slot {0}: running {1} trial {2} attempt {3} on {4}", _slot.SlotId, a.SweepId, a.TrialIndex, a.Attempt, string.Join(", ", devices));

        // Fetch the checkpoint to resume from into the attempt's own directory and the trial's inputs, then run the job.
        // All of it off this thread, the preparation's start included: removing what earlier attempts left can take a while.
        var workDirectory = WorkDirectory(run);
        var token = _cancel.Token;
        var preparation = Task.Run(() => _preparation.PrepareAsync(a, token), CancellationToken.None);
        _jobs.Run(run, a, devices, workDirectory, preparation, token).PipeTo(Self);
    }

    /// <summary>The attempt's own directory (<see cref="TrialPreparation.WorkDirectory"/>).</summary>
    private string WorkDirectory(RunKey run) => _preparation.WorkDirectory(run.SweepId, run.TrialIndex, run.Attempt);

    private void Busy()
    {
        Timers.Cancel("request");
        Receive<RequestTick>(_ => { });
        Receive<AssignTrial>(a =>
        {
            // Two answers to one request (a re-sent request crossed a slow reply): give the extra back.
            if (_current is { } c && (c.SweepId, c.TrialIndex, c.Attempt) == (a.SweepId, a.TrialIndex, a.Attempt)) return;
            Sweeps.Tell(new RejectTrial(a.SweepId, a.TrialIndex, a.Attempt, $"slot {_slot.SlotId} is busy"));
        });
        Receive<Resumed>(r => r.Run == _current, r => _metrics.ResumedAfter(r.Step));
        Receive<JobMetrics>(m => m.Run == _current, m =>
        {
            _metrics.Add(m.Point);
            _lastStep = m.Point.Step;
        });
        Receive<ProgressAck>(a => _current is { } c && (c.SweepId, c.TrialIndex, c.Attempt) == (a.SweepId, a.TrialIndex, a.Attempt), a => _metrics.Acknowledged(a.Through));
        Receive<FlushTick>(_ => _metrics.Flush());
        Receive<JobEnded>(e => e.Run == _current, Ended);
        Receive<UploadsDone>(d => d.Ended.Run == _current, d => Finished(d.Ended));
        Receive<StopTrial>(s => _current is { } c && (c.SweepId, c.TrialIndex, c.Attempt) == (s.SweepId, s.TrialIndex, s.Attempt), s =>
        {
            _log.Info("slot {0}: stopping {1} trial {2}: {3}", _slot.SlotId, s.SweepId, s.TrialIndex, s.Reason);
            _cancel?.Cancel();
            // The sweep acknowledges nothing more of this attempt: what waits for an acknowledgement goes now (its
            // checkpoints are no resume points), instead of holding the slot until the upload wait runs out.
            _metrics.DropWaiters();
        });
        Common();
    }

    /// <summary>
    /// Queues the upload of a file the job wrote; uploads of a slot run one after another, off this actor. A checkpoint
    /// waits until the sweep has acknowledged the metrics the job reported before it: only then is it a resume point
    /// that leaves no hole.
    /// </summary>
    private void Upload(JobFile c)
    {
        var step = c.Step >= 0 ? c.Step : Math.Max(0, _lastStep);
        var acked = c.Kind == ArtifactInfo.Checkpoint && c.Run == _current ? _metrics.WhenAcked(Math.Min(step, _lastStep)) : Task.CompletedTask;
        _uploads.Enqueue(c, step, WorkDirectory(c.Run), acked);
    }

    /// <summary>
    /// The job is done; its result goes to the sweep once the files it reported are uploaded, so that a finished
    /// trial's checkpoints, pictures and results are in the store when the sweep says it finished. The wait is capped
    /// (<see cref="SlotSettings.UploadWait"/>): an upload that hangs does not hold the slot forever.
    /// <para>The result carries at most one batch of the metrics not yet acknowledged (a larger message would not fit a
    /// remoting frame): the others go first as progress, and the result waits for their acknowledgement, as long as it
    /// takes (the progress reports keep the lease; a <see cref="StopTrial"/> ends the wait).</para>
    /// </summary>
    private void Ended(JobEnded e)
    {
        if (e.Stopped) _metrics.DropWaiters();
        var uploads = _uploads.WhenDone(_settings.UploadWait);
        var metrics = e.Stopped ? Task.CompletedTask : _metrics.WhenAcked(_metrics.StepBeforeLastBatch());
        if (uploads.IsCompleted && metrics.IsCompleted)
        {
            Finished(e);
            return;
        }
        Task.WhenAll(uploads, metrics).ContinueWith(_ => new UploadsDone(e), TaskScheduler.Default).PipeTo(Self);
    }

    private void Finished(JobEnded e)
    {
        var run = e.Run;
        Timers.Cancel("flush");
        var outcome = e.Stopped ? TrialOutcome.Cancelled : e.Error is null ? TrialOutcome.Completed : TrialOutcome.Failed;
        // One batch at most (see Ended); more is left only when the attempt was stopped, and then the sweep keeps none.
        var finish = new FinishTrial(run.SweepId, run.TrialIndex, run.Attempt, outcome,
            e.FinalMetrics ?? new Dictionary<string, double>(), e.Error, _metrics.FirstBatch(), _idleMs, _metrics.After);
        _idleSince = System.Diagnostics.Stopwatch.GetTimestamp();
        if (e.Error is not null) _log.Warning("slot {0}: {1} trial {2} failed: {3}", _slot.SlotId, run.SweepId, run.TrialIndex, e.Error);
        _unackedFinishes[(run.SweepId, run.TrialIndex, run.Attempt)] = (finish, e.EndedAt);
        Sweeps.Tell(finish);
        _metrics.End();
        _current = null;
        _cancel?.Dispose();
        _cancel = null;
        Become(Idle);
        _requestSequence++;
        // The devices go back to the node; the slots this trial borrowed ask for work again now, not at their next tick.
        Context.Parent.Tell(new ReleaseDevices(WakeLent: true), Self);
        if (!_draining) PullWork();
    }
}
