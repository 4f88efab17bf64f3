using Atelier.Contracts.Api;

namespace Atelier.Cli.Tests;

public sealed class SweepWatchTests
{
    private static CannedServer.Response Events(params SweepDto[] sweeps) =>
        new(200, string.Concat(sweeps.Select(d => $": keep-alive\n\nevent: sweep\ndata: {Samples.Json(d)}\n\n")), "text/event-stream");

    [Fact]
    public async Task Prints_a_line_per_update_when_not_a_terminal_then_the_results_table()
    {
        var running = Samples.Sweep(SweepStatus.Running);
        var done = Samples.Sweep();
        using var server = new CannedServer(_ => Events(running, done));

        var run = await PbmRunner.RunAsync("sweep", "watch", done.Id, "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Equal([$"GET /api/sweeps/{done.Id}/events"], server.Requests.Select(r => $"{r.Method} {r.PathAndQuery}"));
        var lines = run.Out.Split('\n');
        Assert.Contains(lines, l => l.Contains("running: 4 total: 2 completed, 1 running, 1 failed"));
        Assert.Contains(lines, l => l.Contains("completed: ") && l.Contains("best loss="));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("#  STATUS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_terminal_gets_a_redrawn_view_with_running_trials_and_progress_bars()
    {
        var running = Samples.Sweep(SweepStatus.Running);
        using var server = new CannedServer(_ => Events(running, Samples.Sweep()));

        var run = await PbmRunner.RunAsync(PbmRunner.Host() with { ColorOutput = true }, "sweep", "watch", running.Id, "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Contains("\u001b[H\u001b[2J", run.Out);
        Assert.Contains("PROGRESS", run.Out);
        Assert.Contains("[", run.Out);
        Assert.Contains("%", run.Out);
    }

    [Fact]
    public async Task An_unknown_sweep_exits_1_with_the_servers_message()
    {
        using var server = new CannedServer(_ => new(404, Samples.ApiErrorJson("no sweep with id 'x-1' (see `pbm sweep list`)")));

        var run = await PbmRunner.RunAsync("sweep", "watch", "x-1", "--server", server.Url);

        Assert.Equal(1, run.Code);
        Assert.Equal("pbm: no sweep with id 'x-1' (see `pbm sweep list`)", Assert.Single(run.ErrLines));
    }

    [Fact]
    public void Progress_bars_show_the_fraction_done()
    {
        Assert.Equal("[##########----------]  50%", WatchView.Bar(3, 6));
        Assert.Equal("[--------------------]   0%", WatchView.Bar(0, 0));
        Assert.Equal("[####################] 100%", WatchView.Bar(9, 6));
    }
}
