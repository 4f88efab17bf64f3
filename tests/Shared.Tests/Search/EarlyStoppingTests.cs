using Atelier.Shared.Search;
using Atelier.Contracts.Specs;

namespace Atelier.Shared.Tests.Search;

public class EarlyStoppingTests
{
    private static readonly EarlyTerminateSpec Hyperband = EarlyTerminateSpec.Hyperband(3, eta: 3);

    /// <summary>Histories from (trial, step, value) triples.</summary>
    private static Dictionary<int, IReadOnlyDictionary<long, double>> History(params (int Trial, long Step, double Value)[] points) =>
        points.GroupBy(p => p.Trial).ToDictionary(g => g.Key, g => (IReadOnlyDictionary<long, double>)g.ToDictionary(p => p.Step, p => p.Value));

    /// <summary>Trials 0… each reporting <paramref name="values"/>[i] at every step 1..<paramref name="steps"/>.</summary>
    private static Dictionary<int, IReadOnlyDictionary<long, double>> Flat(long steps, params double[] values) =>
        History([.. values.SelectMany((v, trial) => Enumerable.Range(1, (int)steps).Select(s => (trial, (long)s, v)))]);

    private static Dictionary<int, IReadOnlyDictionary<long, double>> Negate(Dictionary<int, IReadOnlyDictionary<long, double>> history) =>
        history.ToDictionary(t => t.Key, t => (IReadOnlyDictionary<long, double>)t.Value.ToDictionary(s => s.Key, s => -s.Value));

    [Fact]
    public void Rungs_are_min_iter_times_powers_of_eta_up_to_max_iter()
    {
        Assert.Equal([3L, 9, 27, 81], EarlyStopping.Rungs(Hyperband, 100));
        Assert.Equal([3L, 9, 27], EarlyStopping.Rungs(EarlyTerminateSpec.Hyperband(3, maxIter: 30), 100));
        Assert.Equal([1L, 2, 4, 8], EarlyStopping.Rungs(EarlyTerminateSpec.Hyperband(1, eta: 2), 10));
        Assert.Empty(EarlyStopping.Rungs(Hyperband, 2));
        Assert.Equal(63, EarlyStopping.Rungs(EarlyTerminateSpec.Hyperband(1, eta: 2), long.MaxValue).Count);
    }

    [Theory]
    [InlineData(null, 3L, 3L)]
    [InlineData(2L, 3L, 3L)]
    [InlineData(3L, 4L, null)]
    [InlineData(8L, 9L, 9L)]
    [InlineData(2L, 10L, 9L)] // rung 3 and 9 both passed: only 9 is judged
    [InlineData(1L, 2L, null)]
    [InlineData(9L, 26L, null)]
    public void The_judged_rung_is_the_highest_one_passed_since_the_last_report(long? previous, long step, long? rung) =>
        Assert.Equal(rung, EarlyStopping.RungAt(Hyperband, previous, step));

    [Fact]
    public void Hyperband_keeps_the_top_third_at_a_rung()
    {
        // Seven trials at rung 9; ⌊7/3⌋ = 2 continue: the cut-off is the second best, 0.41.
        var history = Flat(9, 0.2, 0.41, 0.5, 0.6, 0.7, 0.9, 0.83);
        var stop = EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 6, 9, history, "loss");
        Assert.Equal(new StopDecision(9, "hyperband: loss 0.83 at rung 9 is not in the top 1/3 of 7 trials (cut-off 0.41)"), stop);
        Assert.Null(EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 1, 9, history)); // 0.41 itself continues
        Assert.Null(EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 0, 9, history));
        Assert.Null(EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 6, 8, history)); // not a rung
    }

    [Fact]
    public void Hyperband_respects_maximize()
    {
        var history = Negate(Flat(9, 0.2, 0.41, 0.5, 0.6, 0.7, 0.9, 0.83));
        Assert.Null(EarlyStopping.Evaluate(Hyperband, MetricGoal.Maximize, 0, 9, history)); // −0.2 is the best
        Assert.Null(EarlyStopping.Evaluate(Hyperband, MetricGoal.Maximize, 1, 9, history));
        var stop = EarlyStopping.Evaluate(Hyperband, MetricGoal.Maximize, 6, 9, history, "accuracy")!;
        Assert.Equal("hyperband: accuracy -0.83 at rung 9 is not in the top 1/3 of 7 trials (cut-off -0.41)", stop.Reason);
        Assert.NotNull(EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 0, 9, history)); // the same values minimised
    }

    [Fact]
    public void Hyperband_continues_while_fewer_than_eta_values_are_recorded()
    {
        var history = Flat(3, 0.1, 5);
        Assert.Null(EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 1, 3, history));
        history[2] = new Dictionary<long, double> { [1] = 9, [2] = 9, [3] = 9 };
        Assert.Equal(3, EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 1, 3, history)!.Rung);
        Assert.Null(EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 0, 3, history));
    }

    [Fact]
    public void Ties_with_the_cut_off_continue()
    {
        var history = Flat(3, 1, 1, 1, 1, 1, 1);
        Assert.All(Enumerable.Range(0, 6), t => Assert.Null(EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, t, 3, history)));
    }

    [Fact]
    public void Skipped_steps_are_judged_at_the_first_report_past_the_rung()
    {
        var history = History(
            (0, 2, 0.9), (0, 4, 0.8), (0, 8, 0.7), (0, 10, 0.6),   // judged at rung 9 by its step-10 value
            (1, 10, 0.1), (1, 12, 0.05),                          // recorded at rung 9 with 0.1 (its step-10 value)
            (2, 9, 0.2),
            (3, 1, 0.3), (3, 28, 0.01));                          // jumped to 28: judged at 27, never at 9
        var stop = EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 0, 10, history, "loss")!;
        Assert.Equal("hyperband: loss 0.6 at rung 9 is not in the top 1/3 of 3 trials (cut-off 0.1)", stop.Reason);
        Assert.Null(EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 0, 8, history)); // rung 3 passed at step 4 already
        Assert.Null(EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 3, 28, history)); // alone at rung 27
    }

    [Fact]
    public void Stopped_trials_still_count_at_their_rung()
    {
        // Trial 3 was stopped at rung 3 (its history ends there) but its value still sets the bar there.
        var history = Flat(3, 0.5, 0.6, 0.7);
        history[3] = new Dictionary<long, double> { [1] = 0.4, [2] = 0.3, [3] = 0.65 };
        Assert.NotNull(EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 1, 3, history));
        Assert.Null(EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 0, 3, history));
    }

    [Fact]
    public void No_rungs_above_max_iter()
    {
        var spec = EarlyTerminateSpec.Hyperband(3, maxIter: 8);
        var history = Flat(9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6);
        Assert.Null(EarlyStopping.Evaluate(spec, MetricGoal.Minimize, 5, 9, history));
        Assert.NotNull(EarlyStopping.Evaluate(spec, MetricGoal.Minimize, 5, 3, history));
    }

    [Fact]
    public void Median_stops_a_trial_whose_best_is_worse_than_the_others_running_averages()
    {
        var spec = EarlyTerminateSpec.Median(3);
        // Others' running averages at step 4: trial 0 (1+1+1+1)/4 = 1, trial 1 (4+2+2+0)/4 = 2, trial 2 = 3. Median 2.
        var history = History(
            (0, 1, 1), (0, 2, 1), (0, 3, 1), (0, 4, 1), (0, 5, 1),
            (1, 1, 4), (1, 2, 2), (1, 3, 2), (1, 4, 0),
            (2, 1, 3), (2, 2, 3), (2, 3, 3), (2, 4, 3), (2, 6, 3),
            (3, 1, 9), (3, 2, 2.5), (3, 3, 2.5), (3, 4, 2.2),
            (4, 1, 1.5), (4, 2, 1.9), (4, 3, 2.2), (4, 4, 2.4));
        var stop = EarlyStopping.Evaluate(spec, MetricGoal.Minimize, 3, 4, history, "loss");
        Assert.Equal(new StopDecision(4, "median: best loss 2.2 by step 4 is worse than the median 2 of 4 other trials' running averages"), stop);
        // Trial 4's best (1.5) beats the median; before min_iter nobody is judged.
        Assert.Null(EarlyStopping.Evaluate(spec, MetricGoal.Minimize, 4, 4, history));
        Assert.Null(EarlyStopping.Evaluate(spec, MetricGoal.Minimize, 3, 2, history));
        // Maximizing the negated values gives the same decisions.
        Assert.Equal(4, EarlyStopping.Evaluate(spec, MetricGoal.Maximize, 3, 4, Negate(history))!.Rung);
        Assert.Null(EarlyStopping.Evaluate(spec, MetricGoal.Maximize, 4, 4, Negate(history)));
    }

    [Fact]
    public void Median_counts_only_trials_that_reached_the_step_and_needs_min_trials_of_them()
    {
        var history = History(
            (0, 1, 1), (0, 5, 1),
            (1, 1, 1), (1, 4, 1),  // has not reached step 5
            (2, 6, 1),             // reached it but reported nothing up to 5
            (3, 1, 1), (3, 5, 1),
            (4, 1, 2), (4, 5, 2));
        Assert.Null(EarlyStopping.Evaluate(EarlyTerminateSpec.Median(1), MetricGoal.Minimize, 4, 5, history)); // 2 others < 3
        var stop = EarlyStopping.Evaluate(EarlyTerminateSpec.Median(1, minTrials: 2), MetricGoal.Minimize, 4, 5, history);
        Assert.Equal(5, stop!.Rung);
        Assert.Contains("of 2 other trials", stop.Reason);
    }

    [Fact]
    public void The_trial_must_have_reported_the_step()
    {
        var history = Flat(3, 1, 2, 3);
        Assert.Throws<ArgumentException>(() => EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 0, 4, history));
        Assert.Throws<ArgumentException>(() => EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 7, 3, history));
    }

    [Fact]
    public void Nan_counts_as_the_worst()
    {
        var history = Flat(3, 0.1, 0.2, double.NaN);
        Assert.NotNull(EarlyStopping.Evaluate(Hyperband, MetricGoal.Minimize, 2, 3, history));
        Assert.NotNull(EarlyStopping.Evaluate(Hyperband, MetricGoal.Maximize, 2, 3, history));
    }
}
