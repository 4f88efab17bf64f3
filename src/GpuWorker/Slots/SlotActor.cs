using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Atelier.Contracts.Api;
using Atelier.GpuWorker.Hosting;
using Atelier.GpuWorker.Jobs;
using Atelier.Shared.Protocol;
using static Atelier.GpuWorker.Slots.DeviceMessages;
using static Atelier.GpuWorker.Slots.SlotMessages;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.GpuWorker.Slots;

/// <summary>
/// One device (a GPU, or one CPU slot), a child of its node's <see cref="NodeDevicesActor"/>. Idle, it pulls work from
/// the broker; busy, it runs the job on a dedicated thread, streams its metrics to the sweep (which renews the lease)
/// and reports the end until the sweep acknowledges it. It never holds more than one trial. Its devices come from its
/// parent: a trial needing several borrows free ones of the same node; a slot lent that way stays idle until the trial
/// ends.
/// </summary>
public sealed partial class SlotActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private readonly SlotInfo _slot;
    private readonly IReadOnlyActorRegistry _registry;
    private readonly SlotSettings _settings;
    private readonly TrialPreparation _preparation;
    private readonly JobRunner _jobs;
    private readonly UploadQueue _uploads;
    private readonly MetricsOutbox _metrics;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Results sent and not yet acknowledged, with when their job ended.
    private readonly Dictionary<(SweepId, int, int), (FinishTrial Finish, long EndedAt)> _unackedFinishes = new();
    private long _runNumber;
    private long? _idleSince;
    private double? _idleMs;
    private bool _draining;
    private long _requestSequence;
    private double _utilisation;
    private long _lastStep = -1;
    private AssignTrial? _reserving; // asked the parent for its devices, not answered yet
    private RunKey? _current;
    private CancellationTokenSource? _cancel;
    private DeviceLedger.TrialKey? _lentTo; // another slot's trial holds this slot's device (the parent says so)

    public SlotActor(SlotInfo slot, IReadOnlyActorRegistry registry, JobRegistry jobs, SlotSettings settings)
    {
        _slot = slot;
        _registry = registry;
        _settings = settings;
        var transfer = new Artifacts.ArtifactTransfer(Context.System, () => _registry.Get<SweepRegionProxy>());
        _preparation = new TrialPreparation(transfer, settings.WorkDirectory, settings.InputCacheDirectory, Self);
        _jobs = new JobRunner(jobs, Self);
        _uploads = new UploadQueue(transfer, Self);
        _metrics = new MetricsOutbox(() => _registry.Get<SweepRegionProxy>(), Self);
        Idle();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    private IActorRef Sweeps => _registry.Get<SweepRegionProxy>();

    private IActorRef Broker => _registry.Get<WorkBrokerProxy>();

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("resend", new ResendTick(), _settings.ResendInterval);
        Timers.StartPeriodicTimer("status", new StatusTick(), _settings.RequestInterval);
        Self.Tell(new RequestTick());
    }

    protected override void PostStop()
    {
        if (_current is { } run) Abandon(run.SweepId, run.TrialIndex, run.Attempt);
        else if (_reserving is { } a) Abandon(a.SweepId, a.TrialIndex, a.Attempt);
    }

    /// <summary>A stopped slot runs nothing: the attempt it holds goes back to the sweep, its devices to the node.</summary>
    private void Abandon(SweepId sweep, int trial, int attempt)
    {
        _cancel?.Cancel();
        Sweeps.Tell(new RejectTrial(sweep, trial, attempt, $"slot {_slot.SlotId} on {_slot.Node} stopped"));
        Context.Parent.Tell(new ReleaseDevices(WakeLent: false), Self);
    }

    /// <summary>Asks for work through the parent, which adds how many of the node's devices are free.</summary>
    private void PullWork() => Context.Parent.Tell(new PullWork(_requestSequence), Self);

    private void Idle()
    {
        if (!_draining) Timers.StartPeriodicTimer("request", new RequestTick(), _settings.RequestInterval);
        // A slot lent to another slot's multi-device trial gets no work until that trial ends: the parent answers its pull
        // with Lent instead of passing it to the broker.
        Receive<RequestTick>(_ =>
        {
            if (!_draining) PullWork();
        });
        Receive<AssignTrial>(Reserve);
        Common();
    }

    /// <summary>
    /// Waiting for the parent's answer to <see cref="ReserveDevices"/>. Everything else waits in the stash meanwhile, so
    /// the slot goes on as if the reservation had been a call.
    /// </summary>
    private void Reserving()
    {
        Receive<DevicesReserved>(r => Start(Answered(), r.Devices));
        Receive<DevicesRefused>(r =>
        {
            var a = Answered();
            Sweeps.Tell(new RejectTrial(a.SweepId, a.TrialIndex, a.Attempt, r.Reason));
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Common()
    {
        Receive<JobFile>(Upload);
        Receive<Note>(n =>
        {
            if (n.Warning) _log.Warning("slot {0}: {1}", _slot.SlotId, n.Text);
            else _log.Info("slot {0}: {1}", _slot.SlotId, n.Text);
        });
        Receive<Lent>(l => _lentTo = l.Trial);
        Receive<StatusTick>(_ =>
        {
            // A slot lent to another slot's trial is busy with that trial.
            var run = _current;
            var lent = run is null ? _lentTo : null;
            var busy = run is not null || lent is not null;
            // Exponential average of busy samples: with a 2 s tick it spans about the last minute.
            _utilisation += ((busy ? 1.0 : 0.0) - _utilisation) * 0.05;
            Broker.Tell(new SlotStatus(_slot, Self, busy, _draining, run?.SweepId ?? lent?.SweepId, run?.TrialIndex ?? lent?.TrialIndex,
                run?.Attempt ?? lent?.Attempt, run is null || _lastStep < 0 ? null : _lastStep, _utilisation));
        });
        Receive<Drain>(d =>
        {
            if (_draining) return;
            _draining = true;
            Timers.Cancel("request");
            _log.Info("slot {0}: draining ({1}): finishing the current trial, then taking no more work", _slot.SlotId, d.Reason);
        });
        Receive<FinishAck>(a =>
        {
            if (!_unackedFinishes.Remove((a.SweepId, a.TrialIndex, a.Attempt), out var sent)) return;
            // How long the sweep took to acknowledge a result, counted from the end of its job (its uploads and metrics go first).
            _log.Info("slot {0}: {1} trial {2} attempt {3} result acknowledged {4:0.0} ms after its job ended", _slot.SlotId,
                a.SweepId, a.TrialIndex, a.Attempt, System.Diagnostics.Stopwatch.GetElapsedTime(sent.EndedAt).TotalMilliseconds);
        });
        Receive<ResendTick>(_ =>
        {
            foreach (var (finish, _) in _unackedFinishes.Values) Sweeps.Tell(finish);
        });
        Receive<JobMetrics>(_ => { });
        Receive<Resumed>(_ => { });
        Receive<ProgressAck>(_ => { });
        Receive<JobEnded>(_ => { });
        Receive<UploadsDone>(_ => { });
        Receive<FlushTick>(_ => { });
        Receive<StopTrial>(_ => { }); // not (or no longer) running that attempt
    }

    /// <summary>Asks the parent for the devices <paramref name="a"/> needs: this slot's own and, for several, free others.</summary>
    private void Reserve(AssignTrial a)
    {
        if (_draining)
        {
            Sweeps.Tell(new RejectTrial(a.SweepId, a.TrialIndex, a.Attempt, $"slot {_slot.SlotId} on {_slot.Node} is draining"));
            return;
        }
        _reserving = a;
        Context.Parent.Tell(new ReserveDevices(a.Devices, new DeviceLedger.TrialKey(a.SweepId, a.TrialIndex, a.Attempt)), Self);
        BecomeStacked(Reserving);
    }

    /// <summary>The parent answered: back to idle, the messages that waited next; returns the trial it answered for.</summary>
    private AssignTrial Answered()
    {
        var a = _reserving!;
        _reserving = null;
        UnbecomeStacked();
        Stash.UnstashAll();
        return a;
    }
}
