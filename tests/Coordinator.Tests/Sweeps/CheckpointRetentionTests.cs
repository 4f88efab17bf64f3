using Atelier.Contracts.Api;
using Atelier.Coordinator.Sweeps;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.SweepEvents;

namespace Atelier.Coordinator.Tests.Sweeps;

public sealed class CheckpointRetentionTests
{
    private static readonly SweepId Id = new("retention-1");
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 3, 0, 0, TimeSpan.Zero);

    private static SweepState Sweep(string checkpoints, string goal = "minimize")
    {
        var spec = Specs.Parse($$"""
            name: retention
            job: synthetic
            method: grid
            metric: {name: loss, goal: {{goal}}}
            {{checkpoints}}
            parameters:
              x: {values: [0.1]}
            """);
        var state = new SweepState(TimeSpan.FromSeconds(30));
        foreach (var e in state.Process(new CreateSweep(Id, spec, "yaml", 1, T0), Akka.Actor.ActorRefs.Nobody, T0).Events) state = state.Apply(e);
        return state;
    }

    /// <summary>Reports loss at each step, and a checkpoint at each step, as a worker would.</summary>
    private static void Run(ref SweepState state, params double[] losses)
    {
        for (var step = 0; step < losses.Length; step++)
        {
            state = state.Apply(new TrialMetricsRecorded(0, 1, [new MetricPoint(step, new Dictionary<string, double> { ["loss"] = losses[step] })]));
            state = state.Apply(new TrialArtifactStored(0, 1, new ArtifactInfo(ArtifactInfo.Checkpoint, step, $"ckpt-{step}", new string((char)('a' + step), 64), 10), T0));
        }
    }

    private static long[] KeptSteps(SweepState state) =>
        state.Trials[0].Artifacts.Where(a => a.Kind == ArtifactInfo.Checkpoint).Select(a => a.Step).Order().ToArray();

    [Fact]
    public void Without_a_checkpoints_section_the_newest_three_stay()
    {
        var state = Sweep("");
        Run(ref state, 5, 4, 3, 2, 1, 0.5);
        Assert.Equal([3L, 4, 5], KeptSteps(state));
    }

    [Fact]
    public void Keep_best_adds_the_checkpoints_with_the_best_metric_to_the_newest()
    {
        var state = Sweep("checkpoints: {keep_last: 1, keep_best: 2}");
        Run(ref state, 5, 0.7, 3, 0.9, 4, 6, 8);
        // newest: step 6; best losses: 0.7 (step 1) and 0.9 (step 3)
        Assert.Equal([1L, 3, 6], KeptSteps(state));
    }

    [Fact]
    public void Keep_best_follows_the_metric_goal()
    {
        var state = Sweep("checkpoints: {keep_last: 2, keep_best: 1}", goal: "maximize");
        Run(ref state, 5, 9, 3, 1, 2);
        Assert.Equal([1L, 3, 4], KeptSteps(state));
    }

    [Fact]
    public void Other_artifacts_are_never_dropped()
    {
        var state = Sweep("checkpoints: {keep_last: 1}");
        state = state.Apply(new TrialArtifactStored(0, 1, new ArtifactInfo("preview", 0, "previews/step-0000.png", new string('f', 64), 10), T0));
        Run(ref state, 3, 2, 1);
        Assert.Equal([2L], KeptSteps(state));
        Assert.Contains(state.Trials[0].Artifacts, a => a.Kind == "preview");
    }

    [Theory]
    [InlineData("checkpoints: {keep_last: 0}", "checkpoints.keep_last", "between 1 and 100")]
    [InlineData("checkpoints: {keep_best: -1}", "checkpoints.keep_best", "between 0 and 100")]
    [InlineData("checkpoints: {keep_last: 101}", "checkpoints.keep_last", "between 1 and 100")]
    [InlineData("checkpoints: {keep: 2}", "checkpoints.keep", "not a known field")]
    [InlineData("checkpoints: 3", "checkpoints", "expected a mapping")]
    public void Bad_retention_is_refused_naming_the_field(string checkpoints, string field, string message)
    {
        var result = SweepSpecParser.Parse($$"""
            name: retention
            job: synthetic
            method: grid
            metric: {name: loss, goal: minimize}
            {{checkpoints}}
            parameters:
              x: {values: [0.1]}
            """);
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
    }
}
