using System.Globalization;
using System.Text.Json;
using Atelier.Contracts.Api;
using Atelier.Testing;
using Microsoft.Playwright;

namespace Atelier.Reports.Tests;

/// <summary>
/// Real sweeps on a local cluster, their reports downloaded with pbm, report.json checked against its schema, trials.csv
/// against the API, and report.html opened in a real headless Chromium: no console errors, nothing fetched, the content
/// there, the table sortable; a screenshot of each lands in the test output folder (screenshots/).
/// </summary>
public sealed class SweepReportTests(ReportClusterFixture fixture) : IClassFixture<ReportClusterFixture>
{
    private static readonly TimeSpan SweepTimeout = TimeSpan.FromMinutes(3);

    private const string SyntheticSpec = """
        name: report-synthetic
        job: synthetic
        method: random
        run_cap: 12
        seed: 7
        max_concurrent: 2
        metric: {name: loss, goal: minimize}
        early_terminate: {type: hyperband, min_iter: 2, eta: 2}
        parameters:
          x: {distribution: uniform, min: -1, max: 1}
          y: {distribution: uniform, min: -1, max: 1}
          lr: {distribution: log_uniform_values, min: 1.0e-4, max: 1.0e-1}
          steps: {value: 6}
          step_seconds: {value: 0.05}
        """;

    private const string StyleSpec = """
        name: report-style
        job: style-transfer
        method: grid
        max_concurrent: 2
        metric: {name: total_loss, goal: minimize}
        parameters:
          content_weight: {values: [1.0, 100.0]}
          style_weight: {values: [1.0e4, 1.0e6]}
          size: {value: 48}
          iterations: {value: 6}
          preview_every: {value: 2}
        """;

    [Fact]
    public Task A_synthetic_sweeps_report_loads_offline_sorts_and_matches_the_api() => fixture.Cluster.ExplainFailuresAsync(async () =>
    {
        var (sweep, dir) = await RunAndDownloadAsync(SyntheticSpec);
        var html = Path.Combine(dir, "report.html");
        var opened = await fixture.Browser.OpenAsync(html);
        var page = opened.Page;
        try
        {
            Assert.Empty(opened.ConsoleProblems);
            Assert.Empty(opened.ExternalRequests(html));
            Assert.Contains("report-synthetic", await page.TitleAsync());

            Assert.Equal(sweep.Trials.Count, await page.Locator("#trials tbody tr").CountAsync());
            var best = sweep.Best ?? throw new InvalidOperationException("the sweep has no best trial");
            Assert.Equal($"trial-{best.Index}", await page.Locator("#trials tr.best").GetAttributeAsync("id"));
            Assert.Equal($"#{best.Index}", (await page.Locator("#best tbody td").First.TextContentAsync())?.Trim());
            Assert.Empty(await ReportChecks.OverlappingChartTextAsync(page));

            // x, y and lr vary: one chart each, learning curves, and parallel coordinates (more than two vary).
            Assert.Equal(3, await page.Locator("#metric-vs-parameter svg.chart").CountAsync());
            Assert.Equal(1, await page.Locator("#learning-curves svg.chart").CountAsync());
            Assert.Equal(1, await page.Locator("#parallel-coordinates svg.chart").CountAsync());
            Assert.Contains("(log scale)", await page.Locator("#metric-vs-parameter svg", new() { HasText = "loss vs lr" }).TextContentAsync());
            Assert.Equal(sweep.Counts.Total.ToString(CultureInfo.InvariantCulture), (await page.Locator("#summary-total .v").TextContentAsync())?.Trim());

            // Sort by the metric: ascending, then descending; trials without a value last.
            var column = await ColumnOfAsync(page, "loss");
            await page.Locator("#trials thead th").Nth(column).ClickAsync();
            var ascending = await ColumnValuesAsync(page, column);
            Assert.Equal(ascending.Order(), ascending);
            await page.Locator("#trials thead th").Nth(column).ClickAsync();
            var descending = await ColumnValuesAsync(page, column);
            Assert.Equal(descending.OrderDescending(), descending);
            Assert.Equal("descending", await page.Locator("#trials thead th").Nth(column).GetAttributeAsync("aria-sort"));
            Assert.Empty(opened.ConsoleProblems);
        }
        finally
        {
            await ScreenshotAsync(page, "synthetic-report.png");
        }
    });

    [Fact]
    public Task A_style_transfer_sweeps_report_shows_a_picture_grid_progress_strips_and_inputs() => fixture.Cluster.ExplainFailuresAsync(async () =>
    {
        var (sweep, dir) = await RunAndDownloadAsync(StyleSpec);
        var html = Path.Combine(dir, "report.html");
        var opened = await fixture.Browser.OpenAsync(html);
        var page = opened.Page;
        try
        {
            Assert.Empty(opened.ConsoleProblems);
            Assert.Empty(opened.ExternalRequests(html));

            // 2 × 2 weights: one grid, a cell per trial, each with its picture and losses.
            Assert.Equal(1, await page.Locator("table.picture-grid").CountAsync());
            Assert.Equal(4, await page.Locator("table.picture-grid td.cell img").CountAsync());
            // Both weights have two values: spec order breaks the tie, content_weight gives the columns.
            Assert.Equal(["1", "100"], await page.Locator("table.picture-grid thead th[scope=col]").AllTextContentsAsync());
            Assert.Contains("total", await page.Locator("table.picture-grid td.cell figcaption").First.TextContentAsync());
            Assert.Equal(1, await page.Locator("table.picture-grid td.best").CountAsync());
            // A strip per trial: its previews (every 2 steps) and the result.
            Assert.Equal(4, await page.Locator("#strips .strip").CountAsync());
            Assert.Contains("result", await page.Locator("#strips .strip").First.TextContentAsync());
            // Every picture decoded.
            Assert.Equal(0, await page.EvaluateAsync<int>("Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).length"));

            // The inputs appear exactly when the trials report them.
            var names = sweep.Trials.SelectMany(t => t.Artifacts ?? []).Select(a => a.FileName).ToHashSet();
            Assert.Equal(names.Contains("inputs/content.png") ? 1 : 0, await page.Locator("#input-content img").CountAsync());
            Assert.Equal(names.Contains("inputs/style.png") ? 1 : 0, await page.Locator("#input-style img").CountAsync());

            // A 2 × 2 grid: one heat map of the metric over the two weights, a cell per trial, the best one marked.
            Assert.Equal(1, await page.Locator("#heat-maps svg.chart").CountAsync());
            Assert.Equal(4, await page.Locator("#heat-maps rect.heat-cell").CountAsync());
            Assert.Equal(1, await page.Locator("#heat-maps rect.heat-cell.best").CountAsync());
            Assert.Empty(await ReportChecks.OverlappingChartTextAsync(page));
        }
        finally
        {
            await ScreenshotAsync(page, "style-transfer-report.png");
        }
    });

    // The demo's job, CPU-sized: a 3 × 2 grid over weight decay (a decade and more apart) and learning rate.
    private const string CifarSpec = """
        name: report-cifar
        job: cifar-vgg19
        method: grid
        max_concurrent: 2
        metric: {name: test_accuracy, goal: maximize}
        parameters:
          weight_decay: {values: [1e-4, 5e-4, 2e-3]}
          lr: {values: [0.01, 0.02]}
          dropout: {value: 0.0}
          schedule: {value: cosine}
          epochs: {value: 2}
          width: {value: 0.0625}
          batch_size: {value: 64}
          train_subset: {value: 256}
          test_subset: {value: 128}
          device: {value: cpu}
          checkpoint_every: {value: 0}
        """;

    [Fact]
    public Task A_cifar_sweeps_report_has_a_log_axis_a_heat_map_and_no_overlapping_labels() => fixture.Cluster.ExplainFailuresAsync(async () =>
    {
        var (sweep, dir) = await RunAndDownloadAsync(CifarSpec);
        var html = Path.Combine(dir, "report.html");
        var opened = await fixture.Browser.OpenAsync(html);
        var page = opened.Page;
        try
        {
            Assert.Empty(opened.ConsoleProblems);
            // Weight decay spans more than a decade: a log axis, here and in the CIFAR section.
            Assert.Contains("weight_decay (log scale)", await page.Locator("#metric-vs-parameter svg", new() { HasText = "vs weight_decay" }).TextContentAsync());
            Assert.Contains("weight_decay (log scale)", await page.Locator("#cifar svg", new() { HasText = "vs weight_decay" }).TextContentAsync());
            // Both reference lines, labelled on both accuracy charts; the per-class bars with all ten class names.
            Assert.Equal(4, await page.Locator("#cifar text.reference-label").CountAsync());
            var classes = await page.Locator("#cifar svg", new() { HasText = "accuracy per class" }).Locator("text.tick").AllTextContentsAsync();
            Assert.Contains("airplane", classes);
            Assert.Contains("automobile", classes);
            // The grid's two parameters: one heat map, a cell per trial.
            Assert.Equal(1, await page.Locator("#heat-maps svg.chart").CountAsync());
            Assert.Equal(6, await page.Locator("#heat-maps rect.heat-cell").CountAsync());
            // The compact best trial: what varies, the metric and the job's main metrics; the fixed settings are not repeated.
            var heads = (await page.Locator("#best thead th").AllTextContentsAsync()).Select(h => h.Trim()).ToList();
            Assert.Equal(["trial", "weight_decay", "lr", "test_accuracy"], heads.Take(4));
            Assert.DoesNotContain("width", heads);
            Assert.True(heads.Count <= 10, string.Join(", ", heads));
            // No text of any chart overlaps another.
            Assert.Empty(await ReportChecks.OverlappingChartTextAsync(page));
            Assert.Equal(sweep.Trials.Count, await page.Locator("#trials tbody tr").CountAsync());
            // The parameter epochs and the metric epochs: two columns of trials.csv, told apart.
            var header = ReportChecks.ParseCsv(await File.ReadAllTextAsync(Path.Combine(dir, "trials.csv")))[0];
            Assert.Contains("param.epochs", header);
            Assert.Contains("epochs", header);
        }
        finally
        {
            await ScreenshotAsync(page, "cifar-report.png");
        }
    });

    /// <summary>Submits, waits for the end, downloads the report with pbm, and checks report.json and trials.csv.</summary>
    private async Task<(SweepDto Sweep, string Directory)> RunAndDownloadAsync(string spec)
    {
        var cluster = fixture.Cluster;
        var submitted = await cluster.SubmitAsync(spec);
        await cluster.WaitForSweepAsync(submitted.Id, SweepTimeout);
        var sweep = (await cluster.GetSweepAsync(submitted.Id, history: true))!;

        var dir = Path.Combine(cluster.Directory, "reports", submitted.Id);
        var pbm = await cluster.RunPbmAsync(["sweep", "report", submitted.Id, "--out", dir, "--json"]);
        Assert.True(pbm.ExitCode == 0, pbm.ToString());
        using (var written = JsonDocument.Parse(pbm.Stdout))
        {
            Assert.True(written.RootElement.GetProperty("final").GetBoolean());
            Assert.Equal(3, written.RootElement.GetProperty("files").GetArrayLength());
        }

        var json = await File.ReadAllTextAsync(Path.Combine(dir, "report.json"));
        ReportChecks.ValidateAgainstSchema(json);
        using (var report = JsonDocument.Parse(json))
        {
            Assert.Equal(sweep.Id, report.RootElement.GetProperty("sweep").GetProperty("id").GetString());
            Assert.Equal(sweep.Trials.Count, report.RootElement.GetProperty("trials").GetArrayLength());
            Assert.Equal(sweep.Best?.Index, report.RootElement.GetProperty("bestTrial").GetInt32());
        }
        ReportChecks.CsvMatches(await File.ReadAllTextAsync(Path.Combine(dir, "trials.csv")), sweep);

        // Unknown and malformed ids are API errors, as everywhere.
        using (var missing = await cluster.Http.GetAsync("api/sweeps/nope-20260101-000000/report.html"))
            Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        using (var malformed = await cluster.Http.GetAsync("api/sweeps/..%2Fetc/trials.csv"))
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, malformed.StatusCode);

        // The stable URL serves the same final report.
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(dir, "report.html")),
            await cluster.Http.GetStringAsync($"api/sweeps/{submitted.Id}/report.html"));
        return (sweep, dir);
    }

    private static async Task<int> ColumnOfAsync(IPage page, string heading)
    {
        var headings = await page.Locator("#trials thead th").AllTextContentsAsync();
        var index = headings.Select(h => h.Trim()).ToList().IndexOf(heading);
        Assert.True(index >= 0, $"no column '{heading}' in {string.Join(", ", headings)}");
        return index;
    }

    private static async Task<List<double>> ColumnValuesAsync(IPage page, int column)
    {
        var values = await page.EvaluateAsync<string[]>(
            $"Array.from(document.querySelectorAll('#trials tbody tr')).map(r => r.cells[{column}].getAttribute('data-v') || '')");
        return values.Where(v => v.Length > 0).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList();
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 0);
    }
}
