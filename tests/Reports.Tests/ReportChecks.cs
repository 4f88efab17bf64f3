using System.Globalization;
using System.Text;
using System.Text.Json;
using Atelier.Shared.Api;
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
    public static void CsvMatches(string csv, SweepDto sweep)
    {
        var rows = ParseCsv(csv);
        var header = rows[0];
        Assert.Equal(["trial", "status"], header.Take(2));
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
            foreach (var (name, value) in trial.Parameters) Assert.Equal(value.ToString(), row[Column(name)]);
            foreach (var (name, value) in trial.Metrics.Where(m => double.IsFinite(m.Value)))
                Assert.Equal(value, double.Parse(row[Column(name)], CultureInfo.InvariantCulture));
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
}
