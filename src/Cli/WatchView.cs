using System.Globalization;
using Atelier.Contracts.Api;
using Atelier.Contracts.Jobs;

namespace Atelier.Cli;

/// <summary>
/// What <c>pbm sweep watch</c> shows for one update: the sweep's progress with an ETA, the best
/// trial so far, and each running trial with its step, a progress bar and its latest metric.
/// </summary>
internal static class WatchView
{
    private const int BarWidth = 20;

    public static void Write(SweepDto sweep, DateTimeOffset now, TextWriter writer, Styler styler)
    {
        var counts = sweep.Counts;
        var done = counts.Completed + counts.Failed + counts.Cancelled;
        var elapsed = (sweep.FinishedAt ?? now) - sweep.CreatedAt;
        new Fields()
            .Add("sweep", new Cell($"{sweep.Id}  ({sweep.Job}, {sweep.Method})", Style.Bold))
            .Add("status", new Cell(SweepShowCommand.Name(sweep.Status), SweepShowCommand.StatusStyle(sweep.Status)))
            .Add("trials", $"{Bar(done, counts.Total)}  {SweepShowCommand.Counts(counts)}")
            .Add("time", $"{Format.Duration(elapsed)} elapsed{Eta(done, counts.Total, elapsed)}")
            .Add("best", SweepShowCommand.Best(sweep))
            .Write(writer, styler);

        var running = sweep.Trials.Where(t => t.Status == TrialStatus.Running).OrderBy(t => t.Index).ToList();
        if (running.Count == 0) return;
        writer.WriteLine();
        JobCatalog.TryGet(sweep.Job, out var job);
        var table = new Table(new Column("#", Align.Right), new Column("SLOT"), new Column("STEP", Align.Right),
            new Column("PROGRESS"), new Column(sweep.Metric.Name, Align.Right), new Column("ATTEMPT", Align.Right));
        foreach (var t in running)
        {
            var total = job?.TotalSteps(t.Parameters);
            var step = t.LastStep ?? 0;
            table.AddRow(
                t.Index.ToString(CultureInfo.InvariantCulture),
                t.Slot ?? "",
                total is { } n ? $"{step}/{n}" : step.ToString(CultureInfo.InvariantCulture),
                total is { } m ? Bar(step, m) : "",
                Format.Number(t.Metrics.TryGetValue(sweep.Metric.Name, out var v) ? v : null),
                t.Attempts.ToString(CultureInfo.InvariantCulture));
        }
        table.Write(writer, styler);
    }

    /// <summary>One line for logs and pipes, where a redrawn screen would be noise.</summary>
    public static string Line(SweepDto sweep, DateTimeOffset now)
    {
        var done = sweep.Counts.Completed + sweep.Counts.Failed + sweep.Counts.Cancelled;
        var best = sweep.Best is { } b && b.Metrics.TryGetValue(sweep.Metric.Name, out var v) ? $", best {sweep.Metric.Name}={Format.Number(v)} (#{b.Index})" : "";
        return $"{now:HH:mm:ss} {SweepShowCommand.Name(sweep.Status)}: {SweepShowCommand.Counts(sweep.Counts)}{best}{Eta(done, sweep.Counts.Total, now - sweep.CreatedAt)}";
    }

    public static string Bar(long done, long total)
    {
        var fraction = total <= 0 ? 0 : Math.Clamp((double)done / total, 0, 1);
        var filled = (int)Math.Round(fraction * BarWidth);
        return $"[{new string('#', filled)}{new string('-', BarWidth - filled)}] {fraction * 100,3:0}%";
    }

    private static string Eta(int done, int total, TimeSpan elapsed) =>
        done == 0 || done >= total ? "" : $", about {Format.Duration(elapsed / done * (total - done))} left";
}
