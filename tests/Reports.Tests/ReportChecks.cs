using System.Globalization;
using System.Text;
using System.Text.Json;
using Atelier.Contracts.Api;
using Atelier.Testing;
using Json.Schema;

namespace Atelier.Reports.Tests;

/// <summary>Checks of report.json against docs/report.schema.json and of trials.csv against the sweep the API shows.</summary>
internal static class ReportChecks
{
    // Loaded once: the library registers a schema by its $id, and refuses a second registration.
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(File.ReadAllText(RepoLayout.File("docs/report.schema.json"))));

    public static void ValidateAgainstSchema(string json)
    {
        var schema = Schema.Value;
        using var document = JsonDocument.Parse(json);
        var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        var errors = (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
            .ToList();
        Assert.True(result.IsValid, "report.json does not match docs/report.schema.json:\n" + string.Join("\n", errors.Take(30)));
    }

    /// <summary>Every trial of the sweep has its row: status, parameters, metrics and attempts as the API has them.</summary>
    /// <summary>trials.csv's columns of the trial's own, as docs/reports.md lists them.</summary>
    private static readonly string[] OwnCsvColumns = ["trial", "status", "attempts", "started_at", "finished_at", "run_seconds", "last_step", "error"];

    public static void CsvMatches(string csv, SweepDto sweep)
    {
        var rows = ParseCsv(csv);
        var header = rows[0];
        Assert.Equal(["trial", "status"], header.Take(2));
        Assert.Equal(header.Length, header.Distinct().Count()); // a spreadsheet or pandas would mangle a repeated name
        Assert.Equal(sweep.Trials.Count, rows.Count - 1);
        int Column(string name)
        {
            var i = Array.IndexOf(header, name);
            Assert.True(i >= 0, $"trials.csv has no column '{name}': {string.Join(",", header)}");
            return i;
        }
        foreach (var trial in sweep.Trials)
        {
            var row = rows.Skip(1).Single(r => r[0] == trial.Index.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(JsonNamingPolicy.SnakeCaseLower.ConvertName(trial.Status.ToString()), row[1]);
            var metricNames = sweep.Trials.SelectMany(t => t.Metrics.Keys).Append(sweep.Metric.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var (name, value) in trial.Parameters) Assert.Equal(value.ToString(), row[Column(TrialColumnNames.Parameter(name, metricNames))]);
            foreach (var (name, value) in trial.Metrics.Where(m => double.IsFinite(m.Value)))
                Assert.Equal(value, double.Parse(row[Column(TrialColumnNames.Metric(name, OwnCsvColumns))], CultureInfo.InvariantCulture));
            Assert.Equal(trial.Attempts, int.Parse(row[Column("attempts")], CultureInfo.InvariantCulture));
        }
    }

    /// <summary>RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks.</summary>
    public static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add([.. row]);
                row.Clear();
                i++;
            }
            else field.Append(c);
        }
        if (field.Length > 0 || row.Count > 0) { row.Add(field.ToString()); rows.Add([.. row]); }
        return rows;
    }

    /// <summary>
    /// Every pair of texts in one chart whose boxes overlap (by more than a pixel each way), as "chart: 'a' / 'b'": a
    /// label that sits on another cannot be read.
    /// </summary>
    public static async Task<IReadOnlyList<string>> OverlappingChartTextAsync(Microsoft.Playwright.IPage page) =>
        await page.EvaluateAsync<string[]>("""
            () => {
              const found = [];
              for (const svg of document.querySelectorAll('svg.chart')) {
                const title = svg.querySelector('.chart-title')?.textContent ?? '?';
                const boxes = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim().length > 0)
                  .map(t => ({ text: t.textContent, r: t.getBoundingClientRect() }));
                for (let i = 0; i < boxes.length; i++)
                  for (let j = i + 1; j < boxes.length; j++) {
                    const a = boxes[i].r, b = boxes[j].r;
                    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
                    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                    if (w > 1 && h > 1) found.push(`${title}: '${boxes[i].text}' / '${boxes[j].text}'`);
                  }
              }
              return found;
            }
            """);
}
