using System.Text.Json;
using Atelier.Coordinator.Reports.Model;
using Atelier.Contracts.Api;

namespace Atelier.Coordinator.Reports;

/// <summary><c>report.json</c>: the report model in the API's JSON conventions (camelCase, snake_case enums, no nulls).</summary>
public static class ReportJson
{
    public static readonly JsonSerializerOptions Options = ApiJson.Create();

    public static string Write(SweepReport report) => JsonSerializer.Serialize(report, Options);

    public static SweepReport? Read(string json) => JsonSerializer.Deserialize<SweepReport>(json, Options);
}
