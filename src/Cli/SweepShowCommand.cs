using Atelier.Shared.Api;
using Atelier.Shared.Jobs;
using Atelier.Shared.Protocol;

namespace Atelier.Cli;

/// <summary><c>pbm sweep show ID</c>: a header about the sweep and a table of its trials.</summary>
internal static class SweepShowCommand
{
    /// <summary>How much of a trial's error the table shows.</summary>
    public const int ErrorWidth = 60;

    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        if (context.SweepIdArgument() is not { } id) return ExitCodes.Usage;

        using var client = context.CreateClient();
        var result = await client.GetAsync(id, history: false, ct);
        if (result.Error is { } error)
            return context.Fail(error);

        if (context.Command.Json)
            context.WriteJson(result.Json);
        else
            Write(result.Value!, context.Out, context.Styler, context.Host.TimeZone);
        return ExitCodes.Ok;
    }

    /// <summary>Writes the header and the trial table of <paramref name="sweep"/>.</summary>
    public static void Write(SweepDto sweep, TextWriter writer, Styler styler, TimeZoneInfo zone)
    {
        var status = sweep.FinishedAt is { } finished
            ? $"{Name(sweep.Status)} (finished {Format.Time(finished, zone)}, took {Format.Duration(finished - sweep.CreatedAt)})"
            : Name(sweep.Status);
        new Fields()
            .Add("sweep", new Cell(sweep.Id, Style.Bold))
            .Add("name", sweep.Name)
            .Add("job", sweep.Job)
            .Add("method", sweep.Method)
            .Add("metric", $"{sweep.Metric.Name} ({Name(sweep.Metric.Goal)})")
            .Add("status", new Cell(status, StatusStyle(sweep.Status)))
            .Add("trials", Counts(sweep.Counts))
            .Add("best", Best(sweep))
            .Add("created", Format.Time(sweep.CreatedAt, zone))
            .Write(writer, styler);
        writer.WriteLine();

        if (sweep.Trials.Count == 0)
        {
            writer.WriteLine("no trials");
            return;
        }
        TrialTable(sweep).Write(writer, styler);
    }

    /// <summary>#, STATUS, a column per parameter, a column per metric (the sweep's first), ATTEMPTS, ERROR.</summary>
    public static Table TrialTable(SweepDto sweep)
    {
        var trials = sweep.Trials.OrderBy(t => t.Index).ToList();
        var parameters = trials.SelectMany(t => t.Parameters.Keys).Distinct().ToList();
        var metrics = trials.SelectMany(t => t.Metrics.Keys).Prepend(sweep.Metric.Name).Distinct().ToList();

        var columns = new List<Column> { new("#", Align.Right), new("STATUS") };
        columns.AddRange(parameters.Select(p => new Column(p, IsNumeric(trials, p) ? Align.Right : Align.Left)));
        columns.AddRange(metrics.Select(m => new Column(m, Align.Right)));
        columns.Add(new Column("ATTEMPTS", Align.Right));
        columns.Add(new Column("ERROR"));

        var table = new Table([.. columns]);
        foreach (var trial in trials)
        {
            var cells = new List<Cell>
            {
                trial.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new(Name(trial.Status), StatusStyle(trial.Status)),
            };
            cells.AddRange(parameters.Select(p => (Cell)(trial.Parameters.TryGetValue(p, out var v) ? Format.Value(v) : Format.None)));
            cells.AddRange(metrics.Select(m => (Cell)(trial.Metrics.TryGetValue(m, out var v) ? Format.Number(v) : Format.None)));
            cells.Add(trial.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
            cells.Add(new Cell(Format.Truncate(trial.Error, ErrorWidth), Style.Red));
            table.AddRow([.. cells]);
        }
        return table;
    }

    /// <summary>e.g. <c>9 total: 7 completed, 2 failed</c>.</summary>
    public static string Counts(TrialCountsDto counts)
    {
        var parts = new (int N, string Name)[]
            {
                (counts.Completed, "completed"), (counts.Running, "running"), (counts.Pending, "pending"), (counts.Failed, "failed"),
                (counts.Cancelled, "cancelled"), (counts.Stopped, "stopped early"),
            }
            .Where(p => p.N > 0)
            .Select(p => $"{p.N} {p.Name}")
            .ToList();
        return parts.Count == 0 ? $"{counts.Total} total" : $"{counts.Total} total: {string.Join(", ", parts)}";
    }

    internal static Cell Best(SweepDto sweep)
    {
        if (sweep.Best is not { } best)
            return new Cell("none yet", Style.Dim);
        var value = best.Metrics.TryGetValue(sweep.Metric.Name, out var v) ? Format.Number(v) : Format.None;
        var parameters = string.Join(", ", best.Parameters.Select(p => $"{p.Key}={Format.Value(p.Value)}"));
        return new Cell($"#{best.Index}  {sweep.Metric.Name}={value}  ({parameters})", Style.Green);
    }

    private static bool IsNumeric(List<TrialDto> trials, string parameter) =>
        trials.All(t => !t.Parameters.TryGetValue(parameter, out var v) || v.Kind is ParamType.Int or ParamType.Float);

    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static Style StatusStyle(TrialStatus status) => status switch
    {
        TrialStatus.Completed => Style.Green,
        TrialStatus.Failed => Style.Red,
        TrialStatus.Running => Style.Yellow,
        _ => Style.Dim,
    };

    public static Style StatusStyle(SweepStatus status) => status == SweepStatus.Completed ? Style.Green : Style.Yellow;
}
