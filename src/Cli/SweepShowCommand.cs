using Atelier.Contracts.Api;
using Atelier.Contracts.Jobs;

namespace Atelier.Cli;

/// <summary><c>pbm sweep show ID</c>: a header about the sweep and a table of its trials.</summary>
internal static class SweepShowCommand
{
    /// <summary><c>pbm sweep show</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("sweep", "show", RunAsync)
    {
        Operands = [new("ID", "missing the sweep ID to show (see pbm sweep list)")],
        Options = [[CommandOptions.Metrics, CommandOptions.AllMetrics]],
        Summary = "one sweep: its best trial and a table of every trial (--metrics A,B:\nthose metric columns; --all-metrics: every metric)",
        About = "one sweep: its spec summary, its best trial and a table of every trial.",
        Details = """
        The trial table has a column per parameter whose value differs between trials (the others
        are listed once, as "fixed") and, by default, the sweep's metric and up to four of the job's
        main metrics. A parameter named like a metric is headed param.NAME. IDs are listed by
        pbm sweep list.

        Options:
          --metrics A,B    these metric columns, in this order (an unknown one lists the known ones)
          --all-metrics    every metric the trials reported
          --json           print the coordinator's JSON (the sweep with every trial) only
        """,
    };

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
        {
            context.WriteJson(result.Json);
            return ExitCodes.Ok;
        }
        var (columns, columnError) = TrialColumns.For(result.Value!, context.Command.MetricChoice);
        if (columnError is not null)
        {
            context.Error(columnError);
            return ExitCodes.Usage;
        }
        Write(result.Value!, context.Out, context.Styler, context.Host.TimeZone, columns);
        return ExitCodes.Ok;
    }

    /// <summary>Writes the header and the trial table of <paramref name="sweep"/> (by default its <see cref="MetricChoice.Default"/> columns).</summary>
    public static void Write(SweepDto sweep, TextWriter writer, Styler styler, TimeZoneInfo zone, TrialColumns? columns = null)
    {
        columns ??= TrialColumns.For(sweep, MetricChoice.Default).Columns!;
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
            .Add("fixed", columns.FixedText(sweep))
            .Add("created", Format.Time(sweep.CreatedAt, zone))
            .Write(writer, styler);
        writer.WriteLine();

        if (sweep.Trials.Count == 0)
        {
            writer.WriteLine("no trials");
            return;
        }
        TrialTable(sweep, columns).Write(writer, styler);
    }

    /// <summary>
    /// #, STATUS, a column per varying parameter, a column per chosen metric (the sweep's first), ATTEMPTS, ERROR. Each
    /// column of numbers is written alike (<see cref="NumberColumn"/>).
    /// </summary>
    public static Table TrialTable(SweepDto sweep, TrialColumns columns)
    {
        var trials = sweep.Trials.OrderBy(t => t.Index).ToList();
        var headings = new List<Column> { new("#", Align.Right), new("STATUS") };
        headings.AddRange(columns.Varying.Select(p => new Column(columns.ParameterHeading(p), IsNumeric(trials, p) ? Align.Right : Align.Left)));
        headings.AddRange(columns.Metrics.Select(m => new Column(m, Align.Right)));
        headings.Add(new Column("ATTEMPTS", Align.Right));
        headings.Add(new Column("ERROR"));

        var parameterCells = columns.Varying.Select(p => IsNumeric(trials, p)
            ? NumberColumn.Format(trials.Select(t => t.Parameters.TryGetValue(p, out var v) ? v.AsDouble() : (double?)null).ToList())
            : trials.Select(t => t.Parameters.TryGetValue(p, out var v) ? Format.Value(v) : Format.None).ToList()).ToList();
        var metricCells = columns.Metrics.Select(m =>
            NumberColumn.Format(trials.Select(t => t.Metrics.TryGetValue(m, out var v) ? v : (double?)null).ToList())).ToList();

        var table = new Table([.. headings]);
        for (var row = 0; row < trials.Count; row++)
        {
            var trial = trials[row];
            var cells = new List<Cell>
            {
                trial.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new(Name(trial.Status), StatusStyle(trial.Status)),
            };
            cells.AddRange(parameterCells.Select(column => (Cell)column[row]));
            cells.AddRange(metricCells.Select(column => (Cell)column[row]));
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
