using Atelier.Contracts.Api;
using Atelier.Coordinator.Reports.Model;
using static Atelier.Coordinator.Tests.Reports.ReportSamples;

namespace Atelier.Coordinator.Tests.Reports;

public sealed class ReportModelTests
{
    private const string RandomYaml = """
        name: random-axes
        job: synthetic
        method: random
        run_cap: 40
        metric: {name: loss, goal: minimize}
        parameters:
          x: {distribution: uniform, min: -1, max: 1}
          lr: {distribution: log_uniform_values, min: 1.0e-4, max: 1.0e-1}
          steps: {value: 5}
        """;

    [Fact]
    public void Log_distributions_and_values_spanning_two_decades_get_a_log_axis()
    {
        var random = ReportBuilder.Build(Sweep(RandomYaml, RandomTrials(40)), T0);
        Assert.Equal(AxisScale.Log, Param(random, "lr").Scale);
        Assert.Equal("log_uniform_values", Param(random, "lr").Source);
        Assert.Equal(AxisScale.Linear, Param(random, "x").Scale);
        Assert.False(Param(random, "steps").Varies);

        var style = ReportBuilder.Build(Sweep(StyleYaml, StyleTrials()), T0);
        Assert.Equal(AxisScale.Log, Param(style, "style_weight").Scale);   // 1e4 … 1e7
        Assert.Equal(AxisScale.Log, Param(style, "content_weight").Scale); // 0.1 … 10: exactly two decades
        Assert.Equal(AxisScale.Linear, Param(style, "tv_weight").Scale);   // has 0
    }

    [Fact]
    public void Strings_are_categorical()
    {
        var p = ParameterAxes.Describe("optimizer", null, [Atelier.Contracts.Specs.ParamValue.Of("adam"), Atelier.Contracts.Specs.ParamValue.Of("lbfgs")]);
        Assert.Equal(AxisScale.Categorical, p.Scale);
        Assert.True(p.Varies);
    }

    [Fact]
    public void Grid_columns_and_rows_are_the_two_parameters_that_vary_most_and_further_ones_split_grids()
    {
        var report = ReportBuilder.Build(Sweep(StyleYaml, StyleTrials(), best: 0), T0);
        var style = report.Style!;
        Assert.Equal("style_weight", style.ColumnParameter);  // 4 values
        Assert.Equal("content_weight", style.RowParameter);   // 3 values
        Assert.Equal(2, style.Grids.Count);                   // tv_weight: 0 and 0.01
        Assert.Equal(["0", "0.01"], style.Grids.Select(g => g.Fixed["tv_weight"]));
        foreach (var grid in style.Grids)
        {
            Assert.Equal(["1e4", "1e5", "1e6", "1e7"], grid.Columns);
            Assert.Equal(["0.1", "1", "10"], grid.Rows);
            Assert.Equal(12, grid.Cells.Count);
            Assert.All(grid.Cells, c => Assert.NotNull(c.Picture));
        }
        // Trial 0: content 0.1 (row 0), style 1e4 (column 0), tv 0 (first grid).
        Assert.Contains(style.Grids[0].Cells, c => c is { Row: 0, Column: 0, Shown: 0 });
    }

    [Fact]
    public void Ties_in_variation_keep_spec_order()
    {
        const string yaml = """
            name: ties
            job: style-transfer
            method: grid
            metric: {name: total_loss, goal: minimize}
            parameters:
              tv_weight: {values: [0.0, 0.1]}
              style_weight: {values: [1.0e5, 1.0e6]}
            """;
        var trials = new[] { (0.0, 1e5), (0.0, 1e6), (0.1, 1e5), (0.1, 1e6) }
            .Select((p, i) => Trial(i, TrialStatus.Completed, P(("tv_weight", p.Item1), ("style_weight", p.Item2)), new Dictionary<string, double> { ["total_loss"] = i }, 1, 1))
            .ToList();
        var style = ReportBuilder.Build(Sweep(yaml, trials), T0).Style!;
        Assert.Equal("tv_weight", style.ColumnParameter);
        Assert.Equal("style_weight", style.RowParameter);
        Assert.Single(style.Grids);
    }

    [Fact]
    public void Many_distinct_values_are_binned_in_log_space_for_a_log_parameter()
    {
        const string yaml = """
            name: random-style
            job: style-transfer
            method: random
            run_cap: 40
            metric: {name: total_loss, goal: minimize}
            parameters:
              content_weight: {distribution: uniform, min: 0.5, max: 2.5}
              style_weight: {distribution: log_uniform_values, min: 1.0e-4, max: 1.0e-1}
              iterations: {value: 5}
            """;
        var report = ReportBuilder.Build(Sweep(yaml, RandomTrials(40, style: true)), T0);
        var style = report.Style!;
        var grid = Assert.Single(style.Grids);
        Assert.Equal(GridAxis.Bins, grid.Columns.Count);
        Assert.Equal(GridAxis.Bins, grid.Rows.Count);
        Assert.Equal(40, grid.Cells.Sum(c => c.Trials.Count));
        // style_weight is log-uniform from 1e-4 to 1e-1: eight bins of 3/8 decade each.
        var column = style.ColumnParameter == "style_weight" ? grid.Columns : grid.Rows;
        Assert.StartsWith("1", column[0]);
        Assert.Contains("e-4", column[0]);
        Assert.EndsWith("0.1", column[^1]);
    }

    [Fact]
    public void Gpu_time_sums_run_times_and_counts_a_running_trial_to_now()
    {
        var trials = new[]
        {
            Trial(0, TrialStatus.Completed, P(("x", 0.1)), new Dictionary<string, double> { ["loss"] = 1 }, runSeconds: 30, lastStep: 5),
            Trial(1, TrialStatus.Failed, P(("x", 0.2)), runSeconds: 12.5, lastStep: 2),
            Trial(2, TrialStatus.Running, P(("x", 0.3)), runSeconds: 0, lastStep: 1),
            Trial(3, TrialStatus.Pending, P(("x", 0.4))),
        };
        var now = T0.AddSeconds(2 + 40); // trial 2 started at T0 + 2 s
        var report = ReportBuilder.Build(Sweep(SyntheticYaml, trials, SweepStatus.Running), now);
        Assert.Equal(30 + 12.5 + 40, report.Summary.GpuSeconds, 6);
        // Trials that reserve two devices each count twice.
        var twoDevices = SyntheticYaml.Replace("parameters:", "resources: {gpus: 2}\nparameters:", StringComparison.Ordinal);
        Assert.Equal(2 * (30 + 12.5 + 40), ReportBuilder.Build(Sweep(twoDevices, trials, SweepStatus.Running), now).Summary.GpuSeconds, 6);
        Assert.False(report.Final);
        Assert.Equal(4, report.Summary.Counts.Total);
    }

    [Fact]
    public void Saved_time_is_the_stopped_trials_remaining_steps_at_their_own_mean_step_time()
    {
        // steps: 10 planned. Trial 1 stopped after 4 steps in 8 s (2 s a step): 6 steps ≈ 12 s saved.
        // Trial 2 stopped after 2 steps in 1 s: 8 steps × 0.5 s = 4 s.
        var trials = new[]
        {
            Trial(0, TrialStatus.Completed, P(("x", 0.1), ("steps", 10)), new Dictionary<string, double> { ["loss"] = 1 }, runSeconds: 20, lastStep: 10),
            Trial(1, TrialStatus.Stopped, P(("x", 0.2), ("steps", 10)), new Dictionary<string, double> { ["loss"] = 2 }, runSeconds: 8, lastStep: 4),
            Trial(2, TrialStatus.Stopped, P(("x", 0.3), ("steps", 10)), new Dictionary<string, double> { ["loss"] = 3 }, runSeconds: 1, lastStep: 2),
        };
        var report = ReportBuilder.Build(Sweep(SyntheticYaml, trials, best: 0), T0.AddHours(1));
        Assert.Equal(16, report.Summary.SavedSeconds, 6);
        Assert.Equal(14, report.Summary.SavedSteps);
        Assert.All(report.Trials, t => Assert.Equal(10, t.PlannedSteps));
    }

    [Fact]
    public void Without_planned_steps_the_longest_completed_trial_stands_in()
    {
        ReportTrial T(int i, TrialStatus s, double run, long last) =>
            new(i, s, P(), new Dictionary<string, double>(), null, 1, T0, T0.AddSeconds(run), run, last, null, null, [], []);
        var (seconds, steps) = TimeAccounting.Saved([T(0, TrialStatus.Completed, 30, 30), T(1, TrialStatus.Stopped, 10, 10)]);
        Assert.Equal(20, steps);
        Assert.Equal(20, seconds, 6);
    }

    [Fact]
    public void Planned_steps_come_from_the_jobs_step_parameter()
    {
        Assert.Equal(7, TimeAccounting.PlannedSteps("cifar-vgg19", P(("epochs", 7))));
        Assert.Equal(164, TimeAccounting.PlannedSteps("cifar-vgg19", P()));
        // A recipe sets the steps as it does for the worker: recipe=keras trains 170 epochs unless epochs is given.
        var keras = new Dictionary<string, Contracts.Specs.ParamValue> { ["recipe"] = Contracts.Specs.ParamValue.Of("keras") };
        Assert.Equal(170, TimeAccounting.PlannedSteps("cifar-vgg19", keras));
        Assert.Equal(5, TimeAccounting.PlannedSteps("cifar-vgg19", new Dictionary<string, Contracts.Specs.ParamValue>(keras) { ["epochs"] = Contracts.Specs.ParamValue.Of(5L) }));
        Assert.Equal(300, TimeAccounting.PlannedSteps("style-transfer", P()));
        Assert.Equal(25, TimeAccounting.PlannedSteps("synthetic", P(("steps", 25))));
    }

    [Fact]
    public void Cifar_reports_mark_the_reference_and_take_per_class_accuracy_of_the_best_trial()
    {
        const string yaml = """
            name: wd
            job: cifar-vgg19
            method: grid
            metric: {name: test_accuracy, goal: maximize}
            parameters:
              weight_decay: {values: [1.0e-4, 5.0e-4]}
              epochs: {value: 2}
            """;
        Dictionary<string, double> M(double acc) => Enumerable.Range(0, 10)
            .ToDictionary(c => $"test_accuracy_class_{c}", c => acc + c / 100.0)
            .Append(new KeyValuePair<string, double>("test_accuracy", acc)).ToDictionary();
        var trials = new[]
        {
            Trial(0, TrialStatus.Completed, P(("weight_decay", 1e-4), ("epochs", 2)), M(0.5), 10, 2),
            Trial(1, TrialStatus.Completed, P(("weight_decay", 5e-4), ("epochs", 2)), M(0.6), 10, 2),
        };
        var cifar = ReportBuilder.Build(Sweep(yaml, trials, best: 1), T0).Cifar!;
        Assert.Equal(0.93, cifar.ReferenceAccuracy);
        Assert.Equal(0.9414, cifar.TunedReferenceAccuracy);
        Assert.Equal("weight_decay", cifar.WeightDecayParameter);
        Assert.Equal(10, cifar.PerClass.Count);
        Assert.Equal("airplane", cifar.PerClass[0].Name);
        Assert.Equal(0.6 + 0.09, cifar.PerClass[9].Accuracy, 9);
    }

    private const string SyntheticYaml = """
        name: synth
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        parameters:
          x: {values: [0.1, 0.2, 0.3, 0.4]}
          steps: {value: 10}
        """;

    private static ReportParameter Param(SweepReport report, string name) => report.Parameters.Single(p => p.Name == name);

    private static IReadOnlyList<Atelier.Contracts.Api.TrialDto> RandomTrials(int count, bool style = false)
    {
        var random = new Random(5);
        return Enumerable.Range(0, count).Select(i =>
        {
            var x = random.NextDouble() * 2 - 1;
            var lr = Math.Pow(10, -4 + 3 * random.NextDouble());
            return style
                ? Trial(i, TrialStatus.Completed, P(("content_weight", x + 1.5), ("style_weight", lr), ("iterations", 5)),
                    new Dictionary<string, double> { ["total_loss"] = x * x }, 1, 5)
                : Trial(i, TrialStatus.Completed, P(("x", x), ("lr", lr), ("steps", 5)), new Dictionary<string, double> { ["loss"] = x * x }, 1, 5);
        }).ToList();
    }
}
