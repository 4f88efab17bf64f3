using System.Globalization;

namespace Atelier.Testing.Chaos;

/// <summary>A sweep the harness submits: its spec, and how long one trial step takes (for the wasted-time figure).</summary>
public sealed record ChaosSweep(string Name, string Job, string Yaml, double StepSeconds);

/// <summary>
/// The sweeps a chaos run keeps the cluster busy with. The <c>synthetic</c> ones have closed-form histories and
/// results, checkpoints of realistic size, rare failures and retries, early termination and a bayes search; the
/// <c>cifar-vgg19</c> and <c>style-transfer</c> ones are tiny CPU-sized runs whose histories and results are
/// compared with an uninterrupted standalone run of the same trial.
/// </summary>
public static class ChaosWorkload
{
    /// <summary>Which jobs a run uses: <c>synthetic</c> only, or every job.</summary>
    public static IReadOnlyList<ChaosSweep> Wave(int wave, long seed, bool allJobs, double checkpointMegabytes)
    {
        var bytes = ((long)(checkpointMegabytes * 1_000_000)).ToString(CultureInfo.InvariantCulture);
        var s = (seed * 1000 + wave).ToString(CultureInfo.InvariantCulture);
        var sweeps = new List<ChaosSweep>
        {
            new($"chaos-grid-{wave}", "synthetic", $$"""
                name: chaos-grid-{{wave}}
                job: synthetic
                method: grid
                metric: {name: loss, goal: minimize}
                max_retries: 10
                checkpoints: {keep_last: 2, keep_best: 1}
                parameters:
                  x: {values: [0.1, 0.3, 0.5]}
                  y: {values: [-0.2, 0.4]}
                  lr: {values: [0.01, 0.1]}
                  steps: {value: 16}
                  step_seconds: {value: 0.5}
                  checkpoint_every: {value: 2}
                  checkpoint_bytes: {value: {{bytes}}}
                  fail_probability: {value: 0.004}
                  seed: {value: {{s}}}
                """, 0.5),
            new($"chaos-asha-{wave}", "synthetic", $$"""
                name: chaos-asha-{{wave}}
                job: synthetic
                method: random
                run_cap: 10
                seed: {{s}}
                metric: {name: loss, goal: minimize}
                max_retries: 10
                early_terminate: {type: hyperband, min_iter: 4, eta: 2}
                parameters:
                  x: {distribution: uniform, min: -1, max: 1}
                  y: {distribution: uniform, min: -1, max: 1}
                  lr: {distribution: log_uniform_values, min: 1e-4, max: 1e-1}
                  steps: {value: 20}
                  step_seconds: {value: 0.3}
                  checkpoint_every: {value: 4}
                  checkpoint_bytes: {value: {{bytes}}}
                """, 0.3),
            new($"chaos-bayes-{wave}", "synthetic", $$"""
                name: chaos-bayes-{{wave}}
                job: synthetic
                method: bayes
                run_cap: 8
                seed: {{s}}
                metric: {name: loss, goal: minimize}
                max_retries: 10
                max_concurrent: 3
                parameters:
                  x: {distribution: uniform, min: -1, max: 1}
                  lr: {distribution: log_uniform_values, min: 1e-4, max: 1e-1}
                  steps: {value: 12}
                  step_seconds: {value: 0.4}
                  checkpoint_every: {value: 3}
                  checkpoint_bytes: {value: {{bytes}}}
                """, 0.4),
        };
        if (!allJobs) return sweeps;
        sweeps.Add(new($"chaos-cifar-{wave}", "cifar-vgg19", $$"""
            name: chaos-cifar-{{wave}}
            job: cifar-vgg19
            method: grid
            metric: {name: test_accuracy, goal: maximize}
            max_retries: 10
            parameters:
              weight_decay: {values: [1e-4, 5e-3]}
              lr: {value: 0.01}
              dropout: {value: 0.0}
              schedule: {value: cosine}
              epochs: {value: 6}
              width: {value: 0.0625}
              batch_size: {value: 32}
              train_subset: {value: 256}
              test_subset: {value: 128}
              device: {value: cpu}
              checkpoint_every: {value: 1}
              seed: {value: {{s}}}
            """, 1.0));
        sweeps.Add(new($"chaos-style-{wave}", "style-transfer", $$"""
            name: chaos-style-{{wave}}
            job: style-transfer
            method: grid
            metric: {name: total_loss, goal: minimize}
            max_retries: 10
            parameters:
              content_weight: {values: [1.0, 10.0]}
              optimizer: {values: [lbfgs, adam]}
              size: {value: 32}
              iterations: {value: 40}
              preview_every: {value: 4}
              device: {value: cpu}
              seed: {value: {{s}}}
            """, 0.1));
        return sweeps;
    }

    /// <summary>Final metrics that measure time, not the computation: they differ between any two runs.</summary>
    public static readonly IReadOnlySet<string> TimingMetrics = new HashSet<string>(StringComparer.Ordinal)
    {
        "seconds", "epoch_seconds", "images_per_second",
    };
}
