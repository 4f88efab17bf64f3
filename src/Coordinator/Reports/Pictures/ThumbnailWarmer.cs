using Akka.Actor;
using Akka.Hosting;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Api;
using Atelier.Coordinator.Reports.Model;
using Atelier.Coordinator.Reports.Render;
using Atelier.Coordinator.Work;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Reports.Pictures;

/// <summary>
/// Makes the thumbnails of running style-transfer sweeps as their pictures arrive, so that rendering a report (live, or
/// the final one right after the sweep ends) finds them cached. Every <see cref="Interval"/> it asks the work broker
/// which sweeps the slots run, and prepares the thumbnails their reports would show; it keeps following a sweep until
/// one round after it has ended (its last pictures arrive after its last trial). Thumbnails already made cost a lookup.
/// </summary>
public sealed class ThumbnailWarmer(SweepService sweeps, IRequiredActor<WorkBroker> broker, IPictureSource pictures, ILogger<ThumbnailWarmer> log)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, bool> _following = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RoundAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The cluster may not be up yet, or a sweep may not answer: the next round tries again.
                log.LogDebug(e, "thumbnail warming skipped a round");
            }
        }
    }

    private async Task RoundAsync(CancellationToken ct)
    {
        var workers = await broker.ActorRef.Ask<WorkersReply>(new GetWorkers(), SweepService.AskTimeout, ct);
        foreach (var id in workers.Workers.SelectMany(w => w.Slots).Select(s => s.SweepId).OfType<string>())
            _following[id] = false;
        foreach (var id in _following.Keys.ToList())
        {
            if (!SweepId.IsValid(id) || await sweeps.GetAsync(new SweepId(id), includeHistory: false, ct) is not { } sweep)
            {
                _following.Remove(id);
                continue;
            }
            if (sweep.Job == Contracts.Jobs.StyleTransferJobDefinition.Kind)
            {
                var model = ReportBuilder.Build(sweep, DateTimeOffset.UtcNow);
                await Task.Run(() => pictures.Prepare(PictureSizes.Needed(model)), ct);
            }
            var ended = sweep.Status is SweepStatus.Completed or SweepStatus.Cancelled;
            if (ended && _following[id]) _following.Remove(id);
            else _following[id] = ended;
        }
    }
}
