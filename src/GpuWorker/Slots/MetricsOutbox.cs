using Akka.Actor;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using static Atelier.GpuWorker.Slots.SlotMessages;
using static Atelier.Shared.Protocol.SweepCommands;

namespace Atelier.GpuWorker.Slots;

/// <summary>
/// The running attempt's metrics that the sweep has not acknowledged yet, in step order, and what waits for an
/// acknowledgement. Every flush sends the oldest of them to the sweep as <paramref name="slot"/>'s
/// <see cref="ReportProgress"/> (a lost batch is sent again); they continue the trial's history after
/// <see cref="After"/>, the last step acknowledged (or the step the attempt resumed from). Its slot's state: used on the
/// slot's thread only.
/// </summary>
internal sealed class MetricsOutbox(Func<IActorRef> sweeps, IActorRef slot)
{
    /// <summary>About 25 bytes a value: a batch stays well under remoting's 128 KiB frame.</summary>
    private const int MaxValuesPerBatch = 2000;

    private readonly List<MetricPoint> _points = [];
    // Who waits for the acknowledgement of a step: checkpoint uploads, and a result that must carry one batch at most.
    private readonly List<(long Step, TaskCompletionSource Acked)> _waiters = [];

    private RunKey? _run;

    public long After { get; private set; } = -1;

    /// <summary>A new attempt: nothing sent, nothing acknowledged.</summary>
    public void Start(RunKey run)
    {
        _run = run;
        _points.Clear();
        After = -1;
    }

    /// <summary>The attempt's job starts after <paramref name="step"/> (the checkpoint restored, or -1).</summary>
    public void ResumedAfter(long step) => After = step;

    public void Add(MetricPoint point) => _points.Add(point);

    /// <summary>
    /// The attempt ended: what is left goes nowhere (the result carried one batch of it), and every wait ends, cancelled
    /// (a checkpoint whose metrics were never acknowledged is no resume point: it is not uploaded).
    /// </summary>
    public void End()
    {
        _run = null;
        _points.Clear();
        DropWaiters();
    }

    /// <summary>Sends the oldest batch: even when empty, as it is the heartbeat that keeps the lease.</summary>
    public void Flush()
    {
        if (_run is not { } run) return;
        // Every unacknowledged point goes (a batch the sweep never wrote is sent again), up to what fits a remoting frame;
        // the rest follows the acknowledgement.
        sweeps().Tell(new ReportProgress(run.SweepId, run.TrialIndex, run.Attempt, FirstBatch(), After), slot);
    }

    /// <summary>The oldest points, up to about <see cref="MaxValuesPerBatch"/> values (at least one point).</summary>
    public List<MetricPoint> FirstBatch()
    {
        var batch = new List<MetricPoint>();
        var values = 0;
        foreach (var point in _points)
        {
            values += point.Values.Count + 1;
            if (batch.Count > 0 && values > MaxValuesPerBatch) break;
            batch.Add(point);
        }
        return batch;
    }

    /// <summary>The step after which the newest points fit one batch (<see cref="long.MinValue"/> when they all do).</summary>
    public long StepBeforeLastBatch()
    {
        var values = 0;
        for (var i = _points.Count - 1; i >= 0; i--)
        {
            values += _points[i].Values.Count + 1;
            if (values > MaxValuesPerBatch && i < _points.Count - 1) return _points[i].Step;
        }
        return long.MinValue;
    }

    /// <summary>The sweep has written the metrics through <paramref name="through"/>: they leave, and who waited for them goes on.</summary>
    public void Acknowledged(long through)
    {
        _points.RemoveAll(p => p.Step <= through);
        After = Math.Max(After, through);
        foreach (var waiter in _waiters.Where(w => w.Step <= After).ToList())
        {
            waiter.Acked.TrySetResult();
            _waiters.Remove(waiter);
        }
        // More than a batch still waits, or a waiter waits for later steps: send on now rather than at the next tick.
        if (_points.Count > 0 && (FirstBatch().Count < _points.Count || _waiters.Count > 0)) Flush();
    }

    /// <summary>Completes once the sweep has acknowledged the metrics through <paramref name="step"/>; asks for that now.</summary>
    public Task WhenAcked(long step)
    {
        if (step <= After) return Task.CompletedTask;
        var acked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Add((step, acked));
        Flush();
        return acked.Task;
    }

    /// <summary>The sweep acknowledges nothing more of this attempt: every wait ends, cancelled.</summary>
    public void DropWaiters()
    {
        foreach (var (_, acked) in _waiters) acked.TrySetCanceled();
        _waiters.Clear();
    }
}
