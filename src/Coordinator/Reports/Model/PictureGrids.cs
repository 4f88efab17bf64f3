using Atelier.Contracts.Api;

namespace Atelier.Coordinator.Reports.Model;

/// <summary>
/// Lays style-transfer results out as grids: columns are the parameter that varies most (most distinct values),
/// rows the second; every further varying parameter splits the trials into separate grids. Ties keep spec order.
/// </summary>
public static class PictureGrids
{
    /// <summary>The varying parameters, the one that varies most first (ties: spec order).</summary>
    public static IReadOnlyList<ReportParameter> ByVariation(IReadOnlyList<ReportParameter> parameters) =>
        parameters.Where(p => p.Varies).OrderByDescending(p => p.Distinct).ToList();

    /// <summary>The grids of <paramref name="trials"/>; <paramref name="pictureOf"/> gives a trial's picture (or null).</summary>
    public static (string? Column, string? Row, IReadOnlyList<PictureGrid> Grids) Build(
        IReadOnlyList<ReportParameter> parameters, IReadOnlyList<ReportTrial> trials,
        Func<ReportTrial, ArtifactInfo?> pictureOf, IComparer<ReportTrial> better)
    {
        var varying = ByVariation(parameters);
        var axes = varying.Select(p => GridAxis.For(p, trials.Where(t => t.Parameters.ContainsKey(p.Name)).Select(t => t.Parameters[p.Name]))).ToList();
        var column = axes.ElementAtOrDefault(0);
        var row = axes.ElementAtOrDefault(1);
        var further = axes.Skip(2).ToList();

        int Position(GridAxis? axis, ReportTrial t) =>
            axis is not null && t.Parameters.TryGetValue(axis.Parameter, out var v) ? axis.IndexOf(v) : 0;

        var grids = trials
            .GroupBy(t => string.Join("\u001f", further.Select(a => Position(a, t))))
            .Select(g => (Key: further.Select(a => Position(a, g.First())).ToList(), Trials: g.ToList()))
            .OrderBy(g => g.Key, KeyOrder.Instance)
            .Select(g => new PictureGrid(
                further.Select((a, i) => (a.Parameter, Label: a.Labels[g.Key[i]])).ToDictionary(x => x.Parameter, x => x.Label),
                column?.Labels ?? [""],
                row?.Labels ?? [""],
                g.Trials
                    .GroupBy(t => (Row: Position(row, t), Column: Position(column, t)))
                    .OrderBy(c => c.Key.Row).ThenBy(c => c.Key.Column)
                    .Select(c => Cell(c.Key.Row, c.Key.Column, c.ToList(), pictureOf, better))
                    .ToList()))
            .ToList();
        return (column?.Parameter, row?.Parameter, grids);
    }

    private static GridCell Cell(int row, int column, List<ReportTrial> trials, Func<ReportTrial, ArtifactInfo?> pictureOf, IComparer<ReportTrial> better)
    {
        var ranked = trials.Order(better).ToList();
        var shown = ranked.FirstOrDefault(t => pictureOf(t) is not null) ?? ranked[0];
        return new GridCell(row, column, trials.Select(t => t.Index).Order().ToList(), shown.Index, pictureOf(shown));
    }

    private sealed class KeyOrder : IComparer<List<int>>
    {
        public static readonly KeyOrder Instance = new();

        public int Compare(List<int>? x, List<int>? y)
        {
            for (var i = 0; i < Math.Min(x!.Count, y!.Count); i++)
            {
                if (x[i] != y[i]) return x[i].CompareTo(y[i]);
            }
            return x.Count.CompareTo(y.Count);
        }
    }
}
