using Atelier.Contracts.Api;

namespace Atelier.Cli;

/// <summary><c>pbm sweep list</c>: one line per sweep, newest first (the coordinator's order).</summary>
internal static class SweepListCommand
{
    /// <summary><c>pbm sweep list</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("sweep", "list", RunAsync)
    {
        Summary = "list the sweeps the coordinator knows",
        About = "list the sweeps the coordinator knows, newest first.",
        Details = """
        Columns: ID, NAME, JOB, METHOD, STATUS, TRIALS (completed/total, and failed if any), BEST (the best
        value of the sweep's metric), CREATED (local time).

        Options:
          --json   print the coordinator's JSON (a list of sweep summaries) only
        """,
    };

    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        using var client = context.CreateClient();
        return context.Show(await client.ListAsync(ct), sweeps =>
        {
            if (sweeps.Count == 0) context.Out.WriteLine("no sweeps yet: submit one with pbm sweep submit FILE");
            else Table(sweeps, context.Host.TimeZone).Write(context.Out, context.Styler);
        });
    }

    /// <summary>ID, NAME, JOB, METHOD, STATUS, TRIALS, BEST, CREATED.</summary>
    public static Table Table(IEnumerable<SweepSummaryDto> sweeps, TimeZoneInfo zone)
    {
        var table = new Table(
            new Column("ID"), new Column("NAME"), new Column("JOB"), new Column("METHOD"), new Column("STATUS"),
            new Column("TRIALS", Align.Right), new Column("BEST", Align.Right), new Column("CREATED"));
        foreach (var s in sweeps)
        {
            table.AddRow(
                s.Id, s.Name, s.Job, s.Method,
                new Cell(SweepShowCommand.Name(s.Status), SweepShowCommand.StatusStyle(s.Status)),
                Trials(s.Counts),
                Format.Number(s.BestValue),
                Format.Time(s.CreatedAt, zone));
        }
        return table;
    }

    /// <summary>completed/total, and the failed count if any: <c>7/9 (2 failed)</c>.</summary>
    public static string Trials(TrialCountsDto counts) =>
        $"{counts.Completed}/{counts.Total}" + (counts.Failed > 0 ? $" ({counts.Failed} failed)" : "");
}
