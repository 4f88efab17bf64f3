using Atelier.Contracts.Api;
using Atelier.Contracts.Specs;
using Atelier.Coordinator.Sweeps;
using Atelier.Shared.Protocol;

namespace Atelier.Coordinator.Tests.Sweeps;

/// <summary>A trial keeps its last step with its history: both change together, in <see cref="TrialState.WithPoints"/>.</summary>
public sealed class TrialStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static MetricPoint At(long step) => new(step, new Dictionary<string, double> { ["loss"] = step });

    private static TrialState Trial => new(0, new Dictionary<string, ParamValue>()) { Attempt = 1 };

    [Fact]
    public void The_last_step_is_the_highest_recorded_whatever_the_order_of_the_points()
    {
        var t = Trial.WithPoints([At(5), At(3)], attempt: 1, dropFrom: null);
        Assert.Equal(5, t.LastStep);
        Assert.Equal([3L, 5L], t.History.Keys);
        Assert.Equal(5, t.Through);
    }

    [Fact]
    public void A_resumed_attempt_drops_the_steps_from_where_it_resumed_and_the_last_step_follows()
    {
        var first = Trial.WithPoints([At(1), At(2), At(3), At(4)], attempt: 1, dropFrom: null);
        var resumed = (first with { Attempt = 2, Through = null }).WithPoints([At(2)], attempt: 2, dropFrom: 2);
        Assert.Equal([1L, 2L], resumed.History.Keys);
        Assert.Equal(2, resumed.LastStep);
        Assert.Equal(2, resumed.Through);
        Assert.Equal(4, first.LastStep); // the earlier state is unchanged
    }

    [Fact]
    public void A_late_batch_of_an_earlier_attempt_is_kept_but_does_not_move_the_current_attempts_mark()
    {
        var t = (Trial with { Attempt = 2 }).WithPoints([At(7)], attempt: 1, dropFrom: null);
        Assert.Equal(7, t.LastStep);
        Assert.Null(t.Through);
    }

    [Fact]
    public void A_snapshot_gives_back_the_history_and_its_last_step()
    {
        var t = Trial.WithPoints([At(1), At(9), At(4)], attempt: 1, dropFrom: null);
        var snapshot = new TrialSnapshot(t.Index, t.Parameters, TrialStatus.Running, 1, 0, null, t.Metrics, null, T0, null, null,
            t.History.Select(kv => new MetricPoint(kv.Key, kv.Value)).ToList(), [], null, t.Through);
        var restored = TrialState.FromSnapshot(snapshot);
        Assert.Equal(9, restored.LastStep);
        Assert.Equal(t.History.Keys, restored.History.Keys);
        Assert.Equal(-1, TrialState.FromSnapshot(snapshot with { History = [] }).LastStep);
    }
}
