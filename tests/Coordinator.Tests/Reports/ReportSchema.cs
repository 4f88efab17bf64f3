using System.Text.Json;
using Atelier.Testing;
using Json.Schema;

namespace Atelier.Coordinator.Tests.Reports;

/// <summary>report.json against docs/report.schema.json, without a cluster (Reports.Tests checks real sweeps' reports).</summary>
internal static class ReportSchema
{
    // Loaded once: the library registers a schema by its $id, and refuses a second registration.
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(File.ReadAllText(RepoLayout.File("docs/report.schema.json"))));

    public static void Validate(string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        var errors = (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
            .ToList();
        Assert.True(result.IsValid, "report.json does not match docs/report.schema.json:\n" + string.Join("\n", errors.Take(30)));
    }
}
