using System.Diagnostics;
using System.Globalization;
using Atelier.Coordinator.Artifacts;
using Atelier.Coordinator.Reports;
using Atelier.Coordinator.Reports.Pictures;
using Atelier.ReportBench;

// Renders the report of a synthetic 1,000-trial style-transfer sweep: cold (no thumbnails yet), warm from the disk
// cache (a restarted coordinator), and warm in memory (a live report rendered again). Prints one line per measure.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"report-bench: {e.Message}");
    return 2;
}

var dir = options.Keep is { } keep ? Directory.CreateDirectory(keep).FullName : Directory.CreateTempSubdirectory("atelier-report-bench-").FullName;
try
{
    var store = new ArtifactStore(Path.Combine(dir, "artifacts"));
    var clock = Stopwatch.StartNew();
    var sweep = SyntheticSweep.Create(options, store);
    Console.WriteLine($"sweep: {sweep.Trials.Count} trials, {options.Previews} previews + 1 result of {options.Size}x{options.Size} px each, " +
        $"{options.Steps + 1} steps of history; made in {clock.Elapsed.TotalSeconds:0.0} s");
    var now = DateTimeOffset.UtcNow;
    var thumbnails = Path.Combine(dir, "thumbnails");

    string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";
    (TimeSpan Time, ReportFiles Files) Render(IPictureSource pictures)
    {
        var watch = Stopwatch.StartNew();
        var files = new ReportRenderer(pictures).Render(sweep, now);
        return (watch.Elapsed, files);
    }

    var (cold, files) = Render(new ThumbnailCache(store, thumbnails));
    Console.WriteLine($"cold (every thumbnail made):        {Seconds(cold)}");
    var (disk, _) = Render(new ThumbnailCache(store, thumbnails));
    Console.WriteLine($"warm, thumbnails from disk cache:   {Seconds(disk)}");
    var memory = new ThumbnailCache(store, thumbnails);
    Render(memory);
    var warm = Enumerable.Range(0, options.Runs).Select(_ => Render(memory).Time).Order().ToList();
    Console.WriteLine($"warm, thumbnails in memory:         median {Seconds(warm[warm.Count / 2])}, min {Seconds(warm[0])}, max {Seconds(warm[^1])} ({options.Runs} runs)");

    double Mb(string text) => System.Text.Encoding.UTF8.GetByteCount(text) / 1e6;
    var pictures = files.Model.Style!.Grids.Sum(g => g.Cells.Count) + files.Model.Style.Strips.Sum(s => s.Frames.Count);
    Console.WriteLine($"report.html: {Mb(files.Html):0.00} MB ({pictures} pictures); report.json: {Mb(files.Json):0.00} MB; trials.csv: {Mb(files.Csv):0.00} MB");
    var output = Path.Combine(dir, "out");
    Directory.CreateDirectory(output);
    File.WriteAllText(Path.Combine(output, "report.html"), files.Html);
    File.WriteAllText(Path.Combine(output, "report.json"), files.Json);
    File.WriteAllText(Path.Combine(output, "trials.csv"), files.Csv);
    if (options.Keep is not null) Console.WriteLine($"files in {output}");
    return 0;
}
finally
{
    if (options.Keep is null)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}
